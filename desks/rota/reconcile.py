"""The rota follows the opening hours: the one home of "which slots should take place".

Whenever the hours change (a date override, a weekly window, a national calendar
correction, a year's arrangement, a street office's holiday rules), `reconcile`
brings a community's planned slots, from today on, back in line with them:

- a slot whose window went away is *cancelled*: the row and its assignments stay,
  so that its workers are told (已取消 on /desk/me/, STATUS:CANCELLED in their
  calendar, a notice at the desk). A cancelled slot needs nobody, cannot be checked
  in to or confirmed, so it is never served and earns no comp time. Its assignments
  still hold the workers' time, so when the window comes back the slot is restored
  without clashing with anything;
- a slot whose window changed (an overlapping window on the same date) is *moved*
  with its assignments; a worker whom the new time would put on two slots at once
  is taken off, and the slot remembers it (`clashes`);
- a window with no slot gets one: a generated draft month is generated again; in a
  published month the new slot stays unfilled (`added_at`) until the head staffs it;
- a slot that has started, or has served duty, is never cancelled or moved.

What reconciling cannot fix, the head sees in one list: `conflicts`. Only planned
months (those with a RotaMonth) are reconciled. `connect_receivers` runs
`reconcile` after every committed change of the hours (see desks/apps.py).
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from desks.core.dates import Month, first_of_month
from desks.hours import DayHours, OpeningHours
from desks.hours.opening import BLOCK_REACH
from desks.models import (
    Assignment,
    CalendarDay,
    Community,
    DateOverride,
    DutySlot,
    HolidayArrangement,
    RotaMonth,
    StreetOffice,
    User,
    WeeklyWindow,
)
from desks.models.reports import forget_slot_months
from desks.rota import rules
from desks.rota.duty import slot_kind
from desks.rota.planning import generate_month

logger = logging.getLogger(__name__)

Bounds = tuple[dt.datetime, dt.datetime]


@dataclass
class Changes:
    """What one reconciliation did to the rota."""

    cancelled: list[DutySlot] = field(default_factory=list)
    moved: list[DutySlot] = field(default_factory=list)
    restored: list[DutySlot] = field(default_factory=list)
    added: list[DutySlot] = field(default_factory=list)
    taken_off: list[dict] = field(default_factory=list)

    def __bool__(self):
        return bool(self.cancelled or self.moved or self.restored or self.added)

    def extend(self, other: "Changes") -> None:
        for name in ("cancelled", "moved", "restored", "added", "taken_off"):
            getattr(self, name).extend(getattr(other, name))


def _pair(wanted: list[Bounds], slots: list[DutySlot]) -> tuple[list, list[DutySlot]]:
    """Match each window of a day with the slot that is (or becomes) its slot.

    First a slot starting when the window starts (a community has one slot per start),
    then a slot overlapping the window, live before cancelled. Returns the
    `(window, slot or None)` pairs and the slots no window wants.
    """
    free = sorted(slots, key=lambda slot: (slot.is_cancelled, slot.starts_at))
    matched: dict[Bounds, DutySlot] = {}
    for bounds in wanted:
        if slot := next((s for s in free if s.starts_at == bounds[0]), None):
            matched[bounds] = slot
            free.remove(slot)
    for bounds in wanted:
        if bounds in matched:
            continue
        overlapping = (s for s in free if s.starts_at < bounds[1] and bounds[0] < s.ends_at)
        if slot := next(overlapping, None):
            matched[bounds] = slot
            free.remove(slot)
    return [(bounds, matched.get(bounds)) for bounds in wanted], free


def took_place(slot: DutySlot, now: dt.datetime) -> bool:
    """Started, or served by someone (an early check-in): the hours can no longer change it.

    Reads the slot's prefetched assignments.
    """
    return slot.starts_at <= now or any(a.is_served for a in slot.assignments.all())


@transaction.atomic
def follow_hours(
    community: Community, first: dt.date, last: dt.date, now: dt.datetime, *, published: bool
) -> Changes:
    """Cancel, move, restore and add `community`'s slots from `first` to `last` to match
    its opening hours. `published`: new slots stay unfilled and are marked for the head."""
    opening = OpeningHours([community], first, last)
    by_date = defaultdict(list)
    slots = (
        DutySlot.objects.select_for_update(of=("self",))
        .filter(community=community, date__range=(first, last))
        .prefetch_related("assignments__worker")
    )
    for slot in slots:
        by_date[slot.date].append(slot)
    changes = Changes()
    for day in opening.days(community):
        wanted = [window.bounds(day.date) for window in day.windows]
        pairs, unwanted = _pair(wanted, by_date[day.date])
        for (starts_at, ends_at), slot in pairs:
            if slot is None:
                changes.added.append(_add(community, day, starts_at, ends_at, now, published))
            elif (slot.starts_at, slot.ends_at) == (starts_at, ends_at):
                if slot.is_cancelled:
                    _restore(slot)
                    changes.restored.append(slot)
                if slot.kind != slot_kind(day) and not took_place(slot, now):
                    # Same hours, another kind of day (a Saturday became a working
                    # weekend day): comp time and fairness count it by its new kind.
                    slot.kind = slot_kind(day)
                    slot.save(update_fields=["kind"])
            elif not took_place(slot, now):
                _move(slot, starts_at, ends_at, day, now, changes)
        for slot in unwanted:
            if not slot.is_cancelled and not took_place(slot, now):
                _cancel(slot, day, now)
                changes.cancelled.append(slot)
    return changes


def _add(community, day: DayHours, starts_at, ends_at, now, published) -> DutySlot:
    return DutySlot.objects.create(
        community=community,
        date=day.date,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=slot_kind(day),
        workers_needed=community.workers_per_slot,
        added_at=now if published else None,
    )


def _cancel(slot: DutySlot, day: DayHours, now: dt.datetime) -> None:
    slot.cancelled_at = now
    slot.cancel_reason = str(day.note)[: DutySlot._meta.get_field("cancel_reason").max_length]
    slot.sequence += 1
    slot.save(update_fields=["cancelled_at", "cancel_reason", "sequence"])


def _restore(slot: DutySlot) -> None:
    slot.cancelled_at, slot.cancel_reason = None, ""
    slot.sequence += 1
    slot.save(update_fields=["cancelled_at", "cancel_reason", "sequence"])


def _move(slot: DutySlot, starts_at, ends_at, day: DayHours, now, changes: Changes) -> None:
    """The slot takes the window's new times, and its workers with it unless that clashes."""
    if slot.is_cancelled:
        slot.cancelled_at, slot.cancel_reason = None, ""
        changes.restored.append(slot)
    slot.starts_at, slot.ends_at, slot.kind = starts_at, ends_at, slot_kind(day)
    slot.moved_at = now
    slot.sequence += 1
    for assignment in slot.assignments.all():
        clash = (
            Assignment.objects.filter(
                worker=assignment.worker_id, starts_at__lt=ends_at, ends_at__gt=starts_at
            )
            .exclude(pk=assignment.pk)
            .select_related("slot__community")
            .first()
        )
        if clash is None:
            try:
                # A savepoint: PostgreSQL's exclusion constraint may still catch a
                # booking made at the same moment, which is then a clash like any other.
                with transaction.atomic():
                    Assignment.objects.filter(pk=assignment.pk).update(
                        starts_at=starts_at, ends_at=ends_at
                    )
                continue
            except IntegrityError:
                pass
        taken_off = {
            "worker_id": assignment.worker_id,
            "worker": assignment.worker.display_name,
            "clash": str(clash.slot) if clash else "",
        }
        assignment.delete()
        slot.clashes = [*slot.clashes, taken_off]
        changes.taken_off.append(taken_off)
    slot.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "kind",
            "moved_at",
            "sequence",
            "cancelled_at",
            "cancel_reason",
            "clashes",
        ]
    )
    changes.moved.append(slot)


@transaction.atomic
def reconcile(community: Community, first: dt.date, last: dt.date, now: dt.datetime) -> Changes:
    """Bring `community`'s planned slots from max(`first`, today) to `last` in line with
    its opening hours (see the module's docstring). A generated draft month that changed
    is generated again; a published month is never regenerated."""
    first = max(first, timezone.localdate(now))
    changes = Changes()
    if first > last:
        return changes
    months = RotaMonth.objects.filter(
        community=community, month__gte=first_of_month(first), month__lte=last
    ).order_by("month")
    for rota_month in months:
        span = Month.containing(rota_month.month)
        found = follow_hours(
            community,
            max(first, span.first_day),
            min(last, span.last_day),
            now,
            published=rota_month.is_published,
        )
        if found and rota_month.generated_at and not rota_month.is_published:
            generate_month(community, rota_month.month, now)
        changes.extend(found)
    return changes


# The head's list of conflicts ---------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """A difference between a community's rota and its hours, or a worker on it who is
    away that day, that needs a person."""

    community: Community
    starts_at: dt.datetime
    ends_at: dt.datetime
    problem: str
    slot: DutySlot | None = None


def overseen_by(user: User):
    """The communities whose rota conflicts `user` sees: a head their own community,
    street-office staff their office's; None for anyone else (workers)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or user.street_office_id or user.is_head_of(user.community_id):
        return Community.objects.visible_to(user)
    return None


def conflicts(communities, now: dt.datetime) -> list[Conflict]:
    """Every conflict of the planned months' slots, from today, with the hours; in time order.

    Compares as `follow_hours` does, in a fixed number of queries however many slots.
    """
    today = timezone.localdate(now)
    communities = list(communities.select_related("street_office").order_by("name"))
    planned = defaultdict(dict)
    rota_months = RotaMonth.objects.filter(
        community__in=communities, month__gte=first_of_month(today)
    ).values_list("community", "month", "published_at")
    for community_id, month, published_at in rota_months:
        planned[community_id][month] = published_at is not None
    if not planned:
        return []
    communities = [community for community in communities if community.pk in planned]
    last = max(Month.containing(m).last_day for months in planned.values() for m in months)
    opening = OpeningHours(communities, today, last)
    by_day = defaultdict(list)
    slots = list(
        DutySlot.objects.filter(
            community__in=communities, date__range=(today, last)
        ).prefetch_related("assignments__worker")
    )
    for slot in slots:
        by_day[slot.community_id, slot.date].append(slot)

    found = []
    for community in communities:
        for month, published in planned[community.pk].items():
            day = max(month, today)
            while day <= Month.containing(month).last_day:
                hours = opening.day(community, day)
                wanted = [window.bounds(day) for window in hours.windows]
                found.extend(_day_conflicts(community, hours, wanted, by_day[community.pk, day]))
                if published:
                    found.extend(_short_after_change(community, by_day[community.pk, day]))
                day += dt.timedelta(days=1)
    found.extend(_away_conflicts({c.pk: c for c in communities}, slots, now))
    return sorted(found, key=lambda conflict: (conflict.starts_at, conflict.community.name))


def _away_conflicts(communities, slots, now) -> list[Conflict]:
    """Workers on the rota on a day they turned out to be away (leave, unavailability or
    comp leave recorded after they were put on), unless a head kept them with a reason.
    Asked of the rota's rules (desks.rota.rules), in three queries."""
    coming = [slot for slot in slots if not slot.is_cancelled and slot.ends_at > now]
    workers = {a.worker for slot in coming for a in slot.assignments.all()}
    checker = rules.Checker(workers, coming)
    found = []
    for slot in coming:
        for assignment in slot.assignments.all():
            if assignment.is_override:
                continue
            for problem in checker.why_not(assignment.worker, slot):
                if problem.rule in rules.AWAY:
                    said = _("%(problem)s Find a stand-in, or keep them with a reason.") % {
                        "problem": problem.message
                    }
                    community = communities[slot.community_id]
                    found.append(Conflict(community, slot.starts_at, slot.ends_at, said, slot))
    return found


def _day_conflicts(community, hours: DayHours, wanted, slots) -> list[Conflict]:
    found = []
    pairs, unwanted = _pair(wanted, slots)
    for (starts_at, ends_at), slot in pairs:
        if slot is None:
            problem = _("Open, but there is no duty slot.")
        elif slot.is_cancelled:
            problem = _("Open, but its duty slot is cancelled.")
        elif (slot.starts_at, slot.ends_at) != (starts_at, ends_at):
            problem = _(
                "The hours changed to %(start)s–%(end)s, but the slot had already started "
                "or been served."
            ) % {
                "start": f"{timezone.localtime(starts_at):%H:%M}",
                "end": f"{timezone.localtime(ends_at):%H:%M}",
            }
        else:
            continue
        found.append(Conflict(community, starts_at, ends_at, problem, slot))
    for slot in unwanted:
        if not slot.is_cancelled:
            reason = str(hours.note) or _("the opening hours changed")
            problem = _(
                "No longer open (%(reason)s), but the slot had already started or been served, "
                "so it was not cancelled."
            ) % {"reason": reason}
            found.append(Conflict(community, slot.starts_at, slot.ends_at, problem, slot))
    return found


def _short_after_change(community, slots) -> list[Conflict]:
    """Published slots a change of hours left short: new ones, and moved ones that lost a worker."""
    found = []
    for slot in slots:
        if not slot.shortfall or not (slot.added_at or slot.clashes):
            continue
        if slot.clashes:
            names = ", ".join(entry["worker"] for entry in slot.clashes)
            problem = _(
                "Its time changed; %(workers)s taken off (already on duty then). "
                "%(missing)d missing."
            ) % {"workers": names, "missing": slot.shortfall}
        else:
            problem = _("New opening window after publishing: %(missing)d missing.") % {
                "missing": slot.shortfall
            }
        found.append(Conflict(community, slot.starts_at, slot.ends_at, problem, slot))
    return found


# What sets it off ----------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The communities and dates a change of the hours may touch."""

    communities: Q
    first: dt.date | None = None  # None: today
    last: dt.date = dt.date.max


def _owners(instance) -> Q:
    if instance.community_id:
        return Q(pk=instance.community_id)
    return Q(street_office=instance.street_office_id)


def _scope(instance) -> _Scope | None:
    if isinstance(instance, DateOverride):
        return _Scope(_owners(instance), instance.date, instance.date)
    if isinstance(instance, WeeklyWindow):
        return _Scope(_owners(instance))
    if isinstance(instance, CalendarDay):
        # A correction can put a weekend day next to it into (or out of) a holiday block.
        reach = dt.timedelta(days=BLOCK_REACH)
        return _Scope(Q(), instance.date - reach, instance.date + reach)
    if isinstance(instance, HolidayArrangement):
        return _Scope(Q(), dt.date(instance.year, 1, 1), dt.date(instance.year, 12, 31))
    if isinstance(instance, StreetOffice):
        return _Scope(Q(street_office=instance.pk))
    return None


OFFICE_RULES = ("holiday_rule", "working_weekend_rule")
WATCHED = (DateOverride, WeeklyWindow, CalendarDay, HolidayArrangement, StreetOffice)


def _remember_before(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: what the row covered before this change (its old date or owner)."""
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).first()
    if before is None:
        return
    if isinstance(instance, StreetOffice):
        instance._rota_rules_before = tuple(getattr(before, name) for name in OFFICE_RULES)
    else:
        instance._rota_scope_before = _scope(before)


def _after_save(sender, instance, created, raw=False, using=None, **kwargs) -> None:
    if raw:
        return
    if isinstance(instance, StreetOffice):
        before = getattr(instance, "_rota_rules_before", None)
        if created or before == tuple(getattr(instance, name) for name in OFFICE_RULES):
            return
    scopes = [_scope(instance), getattr(instance, "_rota_scope_before", None)]
    _forget_held_slots(scope for scope in scopes if scope)
    _reconcile_after_commit([scope for scope in scopes if scope], using)


def _after_delete(sender, instance, using=None, **kwargs) -> None:
    _forget_held_slots([_scope(instance)])
    _reconcile_after_commit([_scope(instance)], using)


def _forget_held_slots(scopes) -> None:
    """Whether a past slot was held asks the hours of its day (the report's "slots held"):
    a change of the hours forgets the kept months it reaches, in its own transaction."""
    for scope in scopes:
        forget_slot_months(scope.communities, scope.first, scope.last)


class _AfterCommit:
    """The one reconcile a transaction runs after its commit, however many rows it
    changed: entering a year's notice saves dozens of calendar days, and each community
    is then reconciled once, over the dates all of them touch."""

    def __init__(self):
        self.scopes: list[_Scope] = []
        self.ran = False

    def __call__(self):
        self.ran = True
        reconcile_scopes(self.scopes)


def _reconcile_after_commit(scopes: list[_Scope], using) -> None:
    # After the commit, so that reconciling reads the change; robust, so that a
    # failure is logged without undoing it (the conflict list then shows what is off).
    connection = transaction.get_connection(using)
    waiting = next(
        (
            func
            for _savepoints, func, _robust in connection.run_on_commit
            if isinstance(func, _AfterCommit) and not func.ran
        ),
        None,
    )
    if waiting is None:
        waiting = _AfterCommit()
        waiting.scopes.extend(scopes)
        transaction.on_commit(waiting, using=using, robust=True)
    else:
        waiting.scopes.extend(scopes)


def reconcile_scopes(scopes: list[_Scope], now: dt.datetime | None = None) -> None:
    """Reconcile each community the scopes name once, from the earliest to the latest
    date any of them gives (reconciling a date twice changes nothing more)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    spans: dict[int, tuple[Community, dt.date, dt.date]] = {}
    for scope in dict.fromkeys(scopes):
        first = scope.first or today
        # Only planned months follow the hours: a city's thousand centres cost one query
        # when few of them have a rota in the dates changed.
        planned = Q(
            rota_months__month__gte=first_of_month(first), rota_months__month__lte=scope.last
        )
        communities = Community.objects.filter(scope.communities).filter(planned).distinct()
        for community in communities.select_related("street_office"):
            _known, earliest, latest = spans.get(community.pk, (community, first, scope.last))
            spans[community.pk] = (community, min(earliest, first), max(latest, scope.last))
    for community, first, last in spans.values():
        reconcile(community, first, last, now)


def connect_receivers() -> None:
    """Reconcile after every save and delete that changes the hours (once, from DesksConfig)."""
    for model in WATCHED:
        uid = f"rota_reconcile.{model._meta.label_lower}"
        pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.save")
        if model is not StreetOffice:  # an office with communities cannot be deleted
            post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}.delete")
