"""Finding and registering residents: the one way the desk and /desk/residents/ do both.

Each leaves its audit record (AccessLog) in the same transaction as what it records.
Forms check the same rules first, so that people get a message; the rules here hold
even when two desks register the same phone at the same moment.
"""

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from residents.models import AccessLog, Resident, search_key_of

# As long as the longest name a resident can have: a longer query can find nobody.
SEARCH_MAX_LENGTH = Resident._meta.get_field("name").max_length

CONSENT_REQUIRED_MESSAGE = _("Ask the resident for consent before keeping their details.")

# Filled in at registration, for the audit record (names only, never values).
_RECORDED_FIELDS = ("name", "phone", "estate", "building", "unit", "room", "birth_year", "notes")


class SearchResult(NamedTuple):
    residents: list[Resident]
    more: bool  # more residents matched than were asked for


def search(user, query: str, *, ip_address: str | None, limit: int) -> SearchResult:
    """The residents `user` may see who match `query` (Resident.objects.matching), by
    name or phone; never by ID number, which has its own search (residents.id_search).

    An empty query finds nobody. Anonymised residents are never found: nothing
    identifies them any more. Every search is recorded with the kind of key it used,
    including one that finds nobody: a guessed phone is a search for a person all the same.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    query = query.strip()
    if len(query) > SEARCH_MAX_LENGTH:
        raise ValidationError(
            _("Type at most %(limit)d characters.") % {"limit": SEARCH_MAX_LENGTH},
            code="max_length",
        )
    if not query:
        return SearchResult([], more=False)
    found = list(
        Resident.objects.visible_to(user)
        .not_anonymised()
        .matching(query)
        .with_tags_for(user)
        .order_by("community__name", "name", "pk")[: limit + 1]
    )
    shown = found[:limit]
    AccessLog.record(
        AccessLog.Action.SEARCHED,
        user=user,
        ip_address=ip_address,
        count=len(shown),
        search_key=search_key_of(query),
    )
    return SearchResult(shown, more=len(found) > limit)


@transaction.atomic
def register(
    resident: Resident,
    *,
    registered_by,
    consent: bool,
    now: dt.datetime,
    ip_address: str | None,
    tags=(),
) -> Resident:
    """Store a new resident (not yet saved, its community set) and record who added them.

    Refuses, with a ValidationError on the field at fault, a resident without consent,
    with an invalid phone or other field, or already registered in the community
    (same phone or ID number), also when a concurrent registration got there first.
    """
    if resident.pk is not None:
        raise ValueError("register() adds a new resident; change one with a form's save().")
    if not consent:
        raise ValidationError({"consent": ValidationError(CONSENT_REQUIRED_MESSAGE, "required")})
    resident.full_clean(validate_unique=False, validate_constraints=False)
    resident.validate_not_registered()
    resident.record_consent(registered_by, now)
    resident.last_active_at = now
    # Registered a moment ago by another desk, which the check above did not see yet.
    resident.save_unless_registered()
    resident.tags.set(tags)
    changed = [name for name in _RECORDED_FIELDS if getattr(resident, name) not in ("", None)]
    if resident.id_number_hash:
        changed.append("id_number")
    if tags:
        changed.append("tags")
    AccessLog.record(
        AccessLog.Action.ADDED,
        user=registered_by,
        ip_address=ip_address,
        resident=resident,
        changed_fields=changed,
    )
    return resident
