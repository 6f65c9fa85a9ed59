"""Planning a month's rota: generate the draft and publish it (the wall's copy: desks.rota.wall).

Generation is a greedy pass over the month's slots in time order: each slot
takes the free workers with the fewest hours so far *in that kind of slot*
(weekend/holiday hours and weekday-evening hours are balanced separately),
then, among equals, the one who adds the most service categories the slot
does not cover yet, then the lowest pk. Hours so far are those served this
year before the month (checked in, or confirmed by the head) plus those
already given in the month being planned. Nothing is random, so the same
inputs give the same rota.

Only planned workers (`User.objects.planned_workers`: active, Role.WORKER) are
planned: heads approve swaps and comp leave and stand in by hand, so they are not
in the fairness count.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from desks.core.dates import Month, first_of_month
from desks.models import (
    Absence,
    Assignment,
    Community,
    CompLeave,
    DutySlot,
    RotaMonth,
    User,
)
from desks.rota.duty import RotaError, assign, make_slots


def shortfall_reason(entry: dict) -> str:
    """Why a slot was left short, for people, from what generation recorded."""
    if entry.get("started"):
        return _("%(slot)s: only %(filled)d of %(needed)d workers; it had already started.") % entry
    if not entry["workers"]:
        return _("%(slot)s: the community has no duty workers.") % entry
    return (
        _(
            "%(slot)s: only %(filled)d of %(needed)d workers. Of %(workers)d workers, "
            "%(absent)d are on leave or unavailable and %(busy)d are already on duty that day."
        )
        % entry
    )


@dataclass
class GeneratedMonth:
    rota_month: RotaMonth
    slots: list[DutySlot]
    assigned: int = 0
    shortfalls: list[dict] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [shortfall_reason(entry) for entry in self.shortfalls]


@dataclass
class _Tally:
    """What the planner knows about one worker while it fills the month."""

    worker: User
    categories: frozenset[int]
    hours: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    busy_days: set[dt.date] = field(default_factory=set)
    absent_days: set[dt.date] = field(default_factory=set)


def _dates(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


@transaction.atomic
def generate_month(community: Community, month: dt.date, now: dt.datetime) -> GeneratedMonth:
    """Fill `community`'s slots in `month` (a draft), replacing the draft's future assignments.

    Raises RotaError for a published month: that changes only by swaps or by the head.
    """
    month = first_of_month(month)
    rota_month, _created = RotaMonth.objects.select_for_update().get_or_create(
        community=community, month=month
    )
    if rota_month.is_published:
        raise RotaError(
            _("The %(month)s rota of %(community)s is published; change it by swaps or by hand.")
            % {"month": f"{month:%Y-%m}", "community": community}
        )
    last = Month.containing(month).last_day
    # A slot cancelled because its window went away (desks.rota.reconcile) is not filled.
    slots = [slot for slot in make_slots(community, month, last) if not slot.is_cancelled]
    # Replacing the draft keeps what already happened: started or served duty stays.
    Assignment.objects.unserved().filter(
        slot__community=community, slot__date__range=(month, last), starts_at__gt=now
    ).delete()

    workers = User.objects.planned_workers(community)
    tallies = {
        worker.pk: _Tally(worker, frozenset(c.pk for c in worker.trained_categories.all()))
        for worker in workers.order_by("pk").prefetch_related("trained_categories")
    }
    month_start, month_end = Month.containing(month).bounds()
    year_start = Month(month.year, 1).bounds()[0]
    served_before = (
        Assignment.objects.served()
        .filter(worker__in=tallies, starts_at__gte=year_start, starts_at__lt=month_start)
        .values_list("worker", "slot__kind", "starts_at", "ends_at")
    )
    for worker_id, kind, starts_at, ends_at in served_before:
        tallies[worker_id].hours[kind] += (ends_at - starts_at).total_seconds() / 3600

    on_slot = defaultdict(list)
    in_month = (
        Assignment.objects.live()
        .filter(worker__in=tallies, starts_at__gte=month_start, starts_at__lt=month_end)
        .values_list("worker", "slot", "slot__kind", "starts_at", "ends_at")
    )
    for worker_id, slot_id, kind, starts_at, ends_at in in_month:
        tally = tallies[worker_id]
        tally.hours[kind] += (ends_at - starts_at).total_seconds() / 3600
        tally.busy_days.add(timezone.localdate(starts_at))
        on_slot[slot_id].append(worker_id)

    for absence in Absence.objects.filter(worker__in=tallies).covering(month, last):
        days = _dates(max(absence.first_day, month), min(absence.last_day, last))
        tallies[absence.worker_id].absent_days.update(days)
    comp_days = CompLeave.objects.filter(
        worker__in=tallies, status=CompLeave.Status.APPROVED, date__range=(month, last)
    ).values_list("worker", "date")
    for worker_id, day in comp_days:
        tallies[worker_id].absent_days.add(day)

    result = GeneratedMonth(rota_month, slots)
    for slot in slots:
        taken = on_slot[slot.pk]
        covered = set().union(*(tallies[pk].categories for pk in taken if pk in tallies))
        missing = slot.shortfall_with(len(taken))
        if not missing:
            continue
        if slot.starts_at <= now:
            result.shortfalls.append(_shortfall(slot, taken, tallies, started=True))
            continue
        free = [
            tally
            for tally in tallies.values()
            if tally.worker.pk not in taken
            and slot.date not in tally.absent_days
            and slot.date not in tally.busy_days
        ]
        for _place in range(missing):
            if not free:
                break
            chosen = min(
                free,
                key=lambda t: (
                    t.hours[slot.kind],
                    -len(t.categories - covered),
                    t.worker.pk,
                ),
            )
            free.remove(chosen)
            assign(slot, chosen.worker)
            chosen.hours[slot.kind] += slot.hours
            chosen.busy_days.add(slot.date)
            covered |= chosen.categories
            taken.append(chosen.worker.pk)
            result.assigned += 1
        if slot.shortfall_with(len(taken)):
            result.shortfalls.append(_shortfall(slot, taken, tallies))

    rota_month.generated_at = now
    rota_month.shortfalls = result.shortfalls
    rota_month.save(update_fields=["generated_at", "shortfalls"])
    return result


def _shortfall(slot, taken, tallies, started=False) -> dict:
    others = [t for t in tallies.values() if t.worker.pk not in taken]
    absent = sum(slot.date in t.absent_days for t in others)
    busy = sum(slot.date in t.busy_days and slot.date not in t.absent_days for t in others)
    return {
        "slot": str(slot),
        "slot_id": slot.pk,
        "needed": slot.workers_needed,
        "filled": len(taken),
        "workers": len(tallies),
        "absent": absent,
        "busy": busy,
        "started": started,
    }


# What publishing changes, said where a head decides to publish (the rota month's admin page).
PUBLISHING_MEANS = gettext_lazy(
    "Publishing shows this rota to its workers on “My duty” (/desk/me/) and in their "
    "calendars. From then on the month is never regenerated: it changes by swaps, which "
    "the head approves, or by hand, and a change of the opening hours that touches it is "
    "listed for the head to resolve."
)


@transaction.atomic
def publish(rota_month: RotaMonth, head: User, now: dt.datetime) -> RotaMonth:
    """The community head publishes the draft; from now on it is not regenerated.

    The month is re-read under a row lock, so of two heads publishing at once one
    publishes and the other is told it already is; a published month never changes
    its `published_at` or `published_by`.
    """
    if not (head.is_superuser or head.is_head_of(rota_month.community_id)):
        raise RotaError(_("Only the head of this community can publish its rota."))
    locked = RotaMonth.objects.select_for_update(of=("self",)).select_related("published_by")
    current = locked.get(pk=rota_month.pk)
    if current.generated_at is None:
        raise RotaError(_("Generate the month before publishing it."))
    if current.is_published:
        raise RotaError(
            _("%(month)s was already published on %(day)s by %(name)s; nothing changed.")
            % {
                "month": current,
                "day": f"{timezone.localtime(current.published_at):%Y-%m-%d %H:%M}",
                "name": current.published_by.display_name,
            }
        )
    current.published_at, current.published_by = now, head
    current.save(update_fields=["published_at", "published_by"])
    rota_month.published_at, rota_month.published_by = now, head
    return current
