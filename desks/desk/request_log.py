"""Logging matters at the desk, and the rules for changing them afterwards.

Views call these; each workflow is one transaction.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from desks.core.compiled import CompiledQuery
from desks.core.dates import day_bounds
from desks.models import (
    Channel,
    DutySlot,
    FollowUp,
    MonthFigures,
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
# How far ahead a head may move a follow-up's due date: further is no longer a follow-up.
FOLLOW_UP_MAX_DAYS = 90
MOST_USED_COUNT = 8
MOST_USED_PERIOD = dt.timedelta(days=90)

# A walk-in served this long after its slot ended still counts for the slot (补录): the
# worker finishes typing after closing the door.
LATE_ENTRY_GRACE = dt.timedelta(minutes=30)
# A slot is one window of one date: it never lasts a day. Bounding where it may start lets
# the lookup read the few slots around the moment through (community, starts_at) instead
# of every slot the community has had.
SLOT_MAX_LENGTH = dt.timedelta(days=1)
# A device's clock may run this far ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=2)
# An entry the desk kept while offline is taken with the time it was served for this long:
# a whole weekend slot (8 h) and the evening after it. Older than that, it is refused.
SERVED_AT_MAX_AGE = dt.timedelta(hours=12)
# Received later than this after it was served, an entry is flagged as synced late.
SYNCED_LATE_AFTER = dt.timedelta(minutes=2)

KEY_OF_ANOTHER_COMMUNITY = _(
    "This form belongs to another community's desk: reload the page and log it again."
)


class KeyOfAnotherCommunity(ValidationError):
    """The form key was used by another community's request: nothing is stored."""

    def __init__(self):
        super().__init__(KEY_OF_ANOTHER_COMMUNITY, code="key_of_another_community")


def tonight(community_id: int, now: dt.datetime):
    """This community's requests logged today (local time), newest first."""
    return (
        _logged_between(community_id, *day_bounds(timezone.localdate(now)))
        .select_related("service_item", "resident", "logged_by", "follow_up__owner", "slot")
        .order_by("-logged_at")
    )


def tonight_count(community_id: int, now: dt.datetime) -> int:
    """How many of `tonight`: the desk's "logged today", after every save."""
    start, end = day_bounds(timezone.localdate(now))
    return _LOGGED_BETWEEN.count(community_id=community_id, start=start, end=end)


def _logged_between(community_id: int, start: dt.datetime, end: dt.datetime):
    return (
        ServiceRequest.objects.alive().filter(community_id=community_id).logged_between(start, end)
    )


# Asked after every save: its SQL is built once (desks.core.compiled).
_LOGGED_BETWEEN = CompiledQuery(
    _logged_between, community_id=int, start=dt.datetime, end=dt.datetime
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


def slot_for(
    community_id: int, served_at: dt.datetime, *, among: list[DutySlot] | None = None
) -> DutySlot | None:
    """The duty slot a walk-in served at `served_at` counts for, or None (regular hours).

    The slot in progress; else a slot that ended at most LATE_ENTRY_GRACE before (a late
    entry, 补录: `ServiceRequest.is_late_entry`). The extended-hours figures count a
    request by its slot (`ServiceRequest.extended_hours_condition`), so they follow this.
    `among`: the slots `nearby_slots` found, when the caller has them (no query then).
    """
    if among is None:
        among = _live_slots(community_id, served_at, served_at)
    return next(
        (slot for slot in among if slot.starts_at <= served_at < slot.ends_at + LATE_ENTRY_GRACE),
        None,
    )


def nearby_slots(community_id: int, now: dt.datetime) -> list[DutySlot]:
    """The live slots that a walk-in the desk may send at `now` can count for: served now,
    or up to SERVED_AT_MAX_AGE before (`served_time`). One query answers `slot_for` and
    `entry_timing` for every moment a save may carry."""
    return _live_slots(community_id, now - SERVED_AT_MAX_AGE, now)


def _live_slots(community_id: int, earliest: dt.datetime, latest: dt.datetime) -> list[DutySlot]:
    """The live slots a walk-in served between `earliest` and `latest` may count for, the
    latest ending first (the one slot_for takes when two qualify)."""
    return _LIVE_SLOTS.all(
        community_id=community_id,
        latest=latest,
        starts_after=earliest - LATE_ENTRY_GRACE - SLOT_MAX_LENGTH,
        ends_after=earliest - LATE_ENTRY_GRACE,
    )


# Asked by every save: its SQL is built once (desks.core.compiled).
_LIVE_SLOTS = CompiledQuery(
    lambda community_id, latest, starts_after, ends_after: (
        DutySlot.objects.live()
        .filter(
            community_id=community_id,
            starts_at__lte=latest,
            starts_at__gt=starts_after,
            ends_at__gt=ends_after,
        )
        .order_by("-ends_at")
    ),
    community_id=int,
    latest=dt.datetime,
    starts_after=dt.datetime,
    ends_after=dt.datetime,
)


class EntryTiming(NamedTuple):
    """What an entry saved at a moment counts for: the desk's form says it before saving."""

    slot: DutySlot | None  # None: regular hours (正常工作时间)
    late_until: dt.datetime | None  # after the slot ended: when its grace ends (补录)


def entry_timing(
    community_id: int, moment: dt.datetime, *, among: list[DutySlot] | None = None
) -> EntryTiming:
    slot = slot_for(community_id, moment, among=among)
    if slot is not None and moment >= slot.ends_at:
        return EntryTiming(slot, slot.ends_at + LATE_ENTRY_GRACE)
    return EntryTiming(slot, None)


def served_time(served_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When a walk-in was served, from the time the desk's device sent (or `now`).

    Refused (ValidationError) when later than `now` by more than CLOCK_SKEW or earlier by
    more than SERVED_AT_MAX_AGE: a forged or lost time would count a walk-in in the wrong
    slot. A time a little ahead of `now` is taken as `now`.
    """
    if served_at is None:
        return now
    if served_at > now + CLOCK_SKEW:
        raise ValidationError(
            _(
                "The time this walk-in was served (%(served)s) is later than the server's "
                "clock: check the date and time of this device, then save again."
            ),
            code="served_in_the_future",
            params={"served": _local(served_at)},
        )
    if served_at < now - SERVED_AT_MAX_AGE:
        raise ValidationError(
            _(
                "This walk-in was served more than %(hours)d hours ago (%(served)s): too late "
                "to log it with that time. Log it again as a new entry."
            ),
            code="served_too_long_ago",
            params={
                "hours": SERVED_AT_MAX_AGE // dt.timedelta(hours=1),
                "served": _local(served_at),
            },
        )
    return min(served_at, now)


def logged_with_key(idempotency_key: uuid.UUID, community_id: int) -> ServiceRequest | None:
    """The request stored with this form key, if any: what a repeated POST answers.

    Raises KeyOfAnotherCommunity for a key another community's request was stored with.
    """
    request = ServiceRequest.objects.filter(idempotency_key=idempotency_key).first()
    if request is not None and request.community_id != community_id:
        raise KeyOfAnotherCommunity()
    return request


def log_request(
    *,
    community_id: int,
    logged_by: User,
    now: dt.datetime,
    idempotency_key: uuid.UUID,
    served_at: dt.datetime | None = None,
    ip_address: str | None = None,
    new_resident: dict | None = None,
    follow_up: dict | None = None,
    slots: list[DutySlot] | None = None,
    **fields,
) -> tuple[ServiceRequest, bool]:
    """Store a request served at `served_at` (`served_time`); return it and whether it is new.

    The same form key twice (a double click, a retried POST, an entry the desk kept while
    offline) returns the first request instead of storing a second. The key is not looked
    up first: the request is inserted, as the first statement of its transaction, and the
    unique key refuses a repeat (a concurrent copy waits for this one's transaction, then
    is refused), which is then answered with the stored request. A `new_resident` (name,
    phone, consent) is registered next (residents.directory.register); if that is refused
    with a ValidationError, nothing is stored. A key of another community's request raises
    KeyOfAnotherCommunity. `slots`: the community's `nearby_slots`, if the caller has them.
    """
    try:
        served_at = served_time(served_at, now)
    except ValidationError:
        # A retry that arrives too late for its time may still find its first copy stored.
        if existing := logged_with_key(idempotency_key, community_id):
            return existing, False
        raise
    request = ServiceRequest(
        community_id=community_id,
        logged_by=logged_by,
        logged_at=served_at,
        synced_at=now if now - served_at > SYNCED_LATE_AFTER else None,
        slot=slot_for(community_id, served_at, among=slots),
        idempotency_key=idempotency_key,
        **fields,
    )
    more_to_store = new_resident or follow_up or request.resident_id
    try:
        if more_to_store or not transaction.get_autocommit():
            _store(request, now, ip_address, new_resident=new_resident, follow_up=follow_up)
        else:
            # The commonest save is the INSERT alone: it commits by itself, without the
            # two round trips of BEGIN and COMMIT.
            _insert(request)
    except IntegrityError:
        # The key was taken: by an earlier copy of this form, or by a concurrent one.
        if existing := logged_with_key(idempotency_key, community_id):
            return existing, False
        raise
    return request, True


@transaction.atomic
def _store(request: ServiceRequest, now: dt.datetime, ip_address, *, new_resident, follow_up):
    """log_request's writes, in one transaction whose first statement reserves the form key:
    a repeated key rolls back the whole of it, with nothing else stored yet."""
    _insert(request)
    community_id, logged_by = request.community_id, request.logged_by
    if new_resident:
        # Refused (ValidationError) if the phone was registered meanwhile: nothing is logged.
        request.resident = directory.register(
            Resident(
                community_id=community_id, name=new_resident["name"], phone=new_resident["phone"]
            ),
            registered_by=logged_by,
            consent=new_resident["consent"],
            now=now,
            ip_address=ip_address,
        )
        request.save(update_fields=["resident"])
    elif request.resident_id:
        # Activity keeps the record from the retention clean-up (anonymise_residents).
        Resident.objects.filter(pk=request.resident_id).update(last_active_at=now)
    if follow_up:
        FollowUp.objects.create(
            request=request,
            owner=follow_up.get("owner")
            or default_follow_up_owner(request.service_item, community_id, logged_by),
            due_on=follow_up.get("due_on")
            or timezone.localdate(request.logged_at) + dt.timedelta(days=FOLLOW_UP_DAYS),
            created_at=now,
        )  # and now cached as the request's follow-up


def _insert(request: ServiceRequest) -> None:
    request.save(force_insert=True)
    # A request stored a moment ago has no follow-up (until _store makes one): its row
    # need not ask the database.
    ServiceRequest.follow_up.related.set_cached_value(request, None)


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
    if all(before[name] == _plain(value) for name, value in fields.items()):
        return
    request.save(update_fields=list(fields))
    # Read back after saving: the free-text fields mask an ID number as they save, and the
    # history must keep only what was stored.
    after = {name: _plain(getattr(request, name)) for name in fields}
    changes = {name: [before[name], after[name]] for name in fields if before[name] != after[name]}
    if not changes:
        return
    RequestChange.objects.create(
        request=request,
        action=RequestChange.Action.EDITED,
        changed_by=user,
        changed_at=now,
        changes=changes,
    )


@transaction.atomic
def change_follow_up(
    follow_up: FollowUp, user: User, now: dt.datetime, *, owner: User, due_on: dt.date
) -> bool:
    """Give a follow-up to `owner` and/or make it due on `due_on` (a head's decision, checked
    by the caller with `may_be_reassigned_by`); the request's history keeps who, when and
    what. Returns whether anything changed."""
    changes = {}
    if owner.pk != follow_up.owner_id:
        changes["follow_up_owner"] = [follow_up.owner_id, owner.pk]
        follow_up.owner = owner
    if due_on != follow_up.due_on:
        changes["follow_up_due_on"] = [follow_up.due_on.isoformat(), due_on.isoformat()]
        follow_up.due_on = due_on
    if not changes:
        return False
    follow_up.save(update_fields=["owner", "due_on"])
    RequestChange.objects.create(
        request_id=follow_up.request_id,
        action=RequestChange.Action.FOLLOW_UP_CHANGED,
        changed_by=user,
        changed_at=now,
        changes=changes,
    )
    return True


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
    # An UPDATE sends no post_save: the people figure of a closed month moves here.
    MonthFigures.forget([(request.community_id, request.logged_at)], now)
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


def _local(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")
