"""Logging matters at the desk, and the rules for changing them afterwards.

Views call these; each workflow is one transaction.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from desks.core.dates import day_bounds
from desks.models import (
    Channel,
    DutySlot,
    FollowUp,
    Outcome,
    RequestChange,
    ServiceItem,
    ServiceRequest,
    User,
)
from desks.models.requests import DEFAULT_OUTCOME, PEOPLE_MAX
from residents import directory
from residents.models import Resident

FOLLOW_UP_DAYS = 3
MOST_USED_COUNT = 8
MOST_USED_PERIOD = dt.timedelta(days=90)


def tonight(community_id: int, now: dt.datetime):
    """This community's requests logged today (local time), newest first."""
    start, end = day_bounds(timezone.localdate(now))
    return (
        ServiceRequest.objects.alive()
        .filter(community_id=community_id)
        .logged_between(start, end)
        .select_related("service_item", "resident", "logged_by", "follow_up__owner", "slot")
        .order_by("-logged_at")
    )


def most_used_items(community_id: int, now: dt.datetime) -> list[ServiceItem]:
    """The items this desk logs most (last 90 days), topped up from the catalogue order."""
    used = list(
        ServiceItem.objects.active()
        .filter(
            ServiceRequest.alive_condition(through="requests__"),
            requests__community_id=community_id,
            requests__logged_at__gte=now - MOST_USED_PERIOD,
        )
        .annotate(times=Count("requests"))
        .order_by("-times", "position", "pk")[:MOST_USED_COUNT]
    )
    if len(used) < MOST_USED_COUNT:
        used += list(
            ServiceItem.objects.in_extended_hours()
            .exclude(pk__in=[item.pk for item in used])
            .order_by("category__position", "position", "pk")[: MOST_USED_COUNT - len(used)]
        )
    return used


def usual_outcomes(community_id: int, items, now: dt.datetime) -> dict[int, str]:
    """Each item's commonest outcome at this desk (last 90 days); DEFAULT_OUTCOME for the rest.

    A tie goes to DEFAULT_OUTCOME if it is one of the commonest, else to the first outcome in
    Outcome's order. One query for all the items.
    """
    counts = (
        ServiceRequest.objects.alive()
        .filter(
            community_id=community_id,
            service_item__in=[item.pk for item in items],
            logged_at__gte=now - MOST_USED_PERIOD,
        )
        .values_list("service_item_id", "outcome")
        .annotate(times=Count("pk"))
    )
    usual = {}
    for item_id, outcome, times in counts:
        best = usual.get(item_id)
        if best is None or (times, _outcome_rank(outcome)) > (best[1], _outcome_rank(best[0])):
            usual[item_id] = (outcome, times)
    return {item.pk: usual.get(item.pk, (DEFAULT_OUTCOME, 0))[0] for item in items}


def _outcome_rank(outcome: str) -> int:
    """Breaks ties: the default first, then Outcome's order."""
    if outcome == DEFAULT_OUTCOME:
        return len(Outcome.values)
    return len(Outcome.values) - 1 - Outcome.values.index(outcome)


@dataclass
class Tap:
    """A one-tap tile: logs `item` with the defaults (one walk-in, its usual outcome)."""

    item: ServiceItem
    outcome: str
    key: uuid.UUID = field(default_factory=uuid.uuid4)  # a fresh form key for every tap
    channel: str = Channel.WALK_IN
    count: int = 1

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


def one_tap_items(community_id: int, now: dt.datetime) -> list[Tap]:
    """The desk's tiles: its most used items, each with the outcome it usually has here."""
    items = most_used_items(community_id, now)
    outcomes = usual_outcomes(community_id, items, now)
    return [Tap(item, outcomes[item.pk]) for item in items]


def default_follow_up_owner(item: ServiceItem, community_id: int, logged_by: User) -> User:
    """A worker of the community trained in the item's category, with the fewest open follow-ups.

    Falls back to the worker who logged the request.
    """
    candidates = (
        User.objects.duty_workers(community_id)
        .filter(trained_categories=item.category_id)
        .annotate(open=Count("follow_ups", filter=FollowUp.open_condition(through="follow_ups__")))
        .order_by("open", "pk")
    )
    return candidates.first() or logged_by


def slot_at(community_id: int, moment: dt.datetime) -> DutySlot | None:
    return DutySlot.objects.filter(community_id=community_id).at(moment).first()


@transaction.atomic
def log_request(
    *,
    community_id: int,
    logged_by: User,
    now: dt.datetime,
    idempotency_key: uuid.UUID,
    ip_address: str | None = None,
    new_resident: dict | None = None,
    follow_up: dict | None = None,
    **fields,
) -> tuple[ServiceRequest, bool]:
    """Store a request; return it and whether it is new.

    The same form key twice (a double click, a retried POST) returns the
    first request instead of storing a second. A `new_resident` (name, phone,
    consent) is registered first (residents.directory.register); if that is refused
    with a ValidationError, nothing is stored.
    """
    if existing := ServiceRequest.objects.filter(idempotency_key=idempotency_key).first():
        return existing, False
    if new_resident:
        # Refused (ValidationError) if the phone was registered meanwhile: nothing is logged.
        fields["resident"] = directory.register(
            Resident(
                community_id=community_id, name=new_resident["name"], phone=new_resident["phone"]
            ),
            registered_by=logged_by,
            consent=new_resident["consent"],
            now=now,
            ip_address=ip_address,
        )
    request = ServiceRequest(
        community_id=community_id,
        logged_by=logged_by,
        logged_at=now,
        slot=slot_at(community_id, now),
        idempotency_key=idempotency_key,
        **fields,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # The same key, saved a moment ago by a concurrent copy of this POST.
        if existing := ServiceRequest.objects.filter(idempotency_key=idempotency_key).first():
            return existing, False
        raise
    if request.resident_id:
        # Activity keeps the record from the retention clean-up (anonymise_residents).
        Resident.objects.filter(pk=request.resident_id).update(last_active_at=now)
    if follow_up:
        FollowUp.objects.create(
            request=request,
            owner=follow_up.get("owner")
            or default_follow_up_owner(request.service_item, community_id, logged_by),
            due_on=follow_up.get("due_on")
            or timezone.localdate(now) + dt.timedelta(days=FOLLOW_UP_DAYS),
            created_at=now,
        )
    return request, True


def can_change(request: ServiceRequest, user: User, now: dt.datetime) -> bool:
    """The worker who logged it may change it until their slot ends; the head always may.

    A request logged outside any slot stays the logger's to change until the
    end of that day.
    """
    if user.community_id != request.community_id:
        return False
    if user.is_head_of(request.community_id):
        return True
    if request.logged_by_id != user.pk:
        return False
    if request.slot_id:
        return now < request.slot.ends_at
    return now < day_bounds(timezone.localdate(request.logged_at))[1]


def mark_changeable(requests, user: User, now: dt.datetime) -> list[ServiceRequest]:
    """The requests, each with `may_change` (can_change) set: the desk offers 修改/删除 by it."""
    requests = list(requests)
    for request in requests:
        request.may_change = can_change(request, user, now)
    return requests


@transaction.atomic
def edit_request(request: ServiceRequest, user: User, now: dt.datetime, **fields) -> None:
    before = {name: _plain(getattr(request, name)) for name in fields}
    for name, value in fields.items():
        setattr(request, name, value)
    changes = {
        name: [before[name], _plain(value)]
        for name, value in fields.items()
        if before[name] != _plain(value)
    }
    if not changes:
        return
    request.save(update_fields=list(fields))
    RequestChange.objects.create(
        request=request,
        action=RequestChange.Action.EDITED,
        changed_by=user,
        changed_at=now,
        changes=changes,
    )


@transaction.atomic
def add_person(request: ServiceRequest, user: User, now: dt.datetime, count_was: int) -> bool:
    """Another person came for the same matter: the request's people count goes up by one.

    The report counts people as the sum of counts and matters as requests, so one more
    person is one more in the count, not a second request. `count_was` is the count the
    worker saw: a repeated tap (a retry, a double tap) finds it moved and adds nobody,
    and nothing goes past PEOPLE_MAX. Returns whether a person was added; the change is
    kept like any edit. Who may do it is `can_change`, asked by the caller.
    """
    added = (
        ServiceRequest.objects.filter(pk=request.pk, count=count_was, count__lt=PEOPLE_MAX)
        .alive()
        .update(count=F("count") + 1)
    )
    request.refresh_from_db(fields=["count"])
    if not added:
        return False
    RequestChange.objects.create(
        request=request,
        action=RequestChange.Action.EDITED,
        changed_by=user,
        changed_at=now,
        changes={"count": [count_was, count_was + 1]},
    )
    return True


@transaction.atomic
def delete_request(request: ServiceRequest, user: User, now: dt.datetime) -> None:
    """Deleted requests leave the counts but stay stored, with who deleted them and when."""
    request.deleted_at = now
    request.save(update_fields=["deleted_at"])
    RequestChange.objects.create(
        request=request, action=RequestChange.Action.DELETED, changed_by=user, changed_at=now
    )


def _plain(value):
    """A JSON-friendly form of a field value for the change history."""
    if hasattr(value, "pk"):
        return value.pk
    return value
