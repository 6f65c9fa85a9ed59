"""Whether a worker may go on a slot: the one set of checks behind every path that puts
someone on the rota (generation, the head's hand assignment, swaps).

`why_not(worker, slot)` lists every rule the placement would break; an empty list means
it may go ahead. Some rules are hard (a cancelled or full slot, two slots at the same
time, someone who cannot serve here); others a head or their street office may
override with a reason, which the assignment records (`Problem.overridable`): leave,
unavailability, approved comp leave, another slot the same day.

`Checker` answers the same question for many placements in a fixed number of queries,
whatever their number: build it once for the workers and slots at hand (a community's
month, say), ask `why_not` for each pair and tell it each placement made (`add`).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from desks.models import Absence, Assignment, CompLeave, DutySlot, Role, User


@dataclass(frozen=True)
class Problem:
    """One rule a placement would break, said for people."""

    rule: str
    message: str
    overridable: bool = False


# The rules, by name. Only the last four may be overridden, with a reason.
CANCELLED = "cancelled"
NOT_ON_DUTY = "not_a_duty_worker"
OTHER_COMMUNITY = "other_community"
ALREADY_ON_SLOT = "already_on_slot"
FULL = "full"
OVERLAP = "overlap"
LEAVE = "leave"
UNAVAILABLE = "unavailable"
COMP_LEAVE = "comp_leave"
SAME_DAY = "same_day"
# The rules that keep a worker away for the whole day, whichever slot.
AWAY = frozenset({LEAVE, UNAVAILABLE, COMP_LEAVE})


def cancelled_message(slot: DutySlot) -> str:
    """Why nobody can serve, join or check in to a cancelled slot."""
    if slot.cancel_reason:
        return _("This slot was cancelled: %(reason)s.") % {"reason": slot.cancel_reason}
    return _("This slot was cancelled: the opening hours changed.")


# Said when someone else gives a reason to override (lazy: in the reader's language).
ONLY_HEADS_OVERRIDE = gettext_lazy(
    "Only the community's head or its street office can override the rota's rules."
)


def may_override(user: User, slot: DutySlot) -> bool:
    """Who may put a worker on a slot against the overridable rules, with a reason: the
    head of the slot's community, staff of its street office, a superuser."""
    if not user.is_active:
        return False
    if user.is_superuser or user.is_head_of(slot.community_id):
        return True
    return user.role == Role.OFFICE and user.street_office_id == slot.community.street_office_id


def why_not(worker: User, slot: DutySlot, *, lent_by: User | None = None) -> list[Problem]:
    """Every rule that stops `worker` going on `slot` (empty: they may). Three queries."""
    return Checker([worker], [slot]).why_not(worker, slot, lent_by=lent_by)


class Checker:
    """The rota's rules for the placements of `workers` on `slots`, read once.

    Reads, in three queries: the assignments of those workers on the slots' days or
    overlapping their times, and everyone already on those slots; the workers' leave and
    unavailability on those days; their approved comp leave on those days.
    """

    def __init__(self, workers: Iterable[User], slots: Iterable[DutySlot]):
        worker_ids = {worker.pk for worker in workers}
        slots = list(slots)
        self._on_slot: dict[int, set[int]] = defaultdict(set)
        self._duty: dict[int, list[DutySlot]] = defaultdict(list)
        self._absences: dict[int, list[Absence]] = defaultdict(list)
        self._comp_leave: dict[int, set[dt.date]] = defaultdict(set)
        if not slots or not worker_ids:
            return
        first, last = min(s.date for s in slots), max(s.date for s in slots)
        starts, ends = min(s.starts_at for s in slots), max(s.ends_at for s in slots)
        theirs = Q(slot__date__range=(first, last)) | Q(starts_at__lt=ends, ends_at__gt=starts)
        rows = Assignment.objects.filter(
            Q(worker__in=worker_ids) & theirs | Q(slot__in=[s.pk for s in slots])
        ).select_related("slot__community")
        for assignment in rows:
            self._on_slot[assignment.slot_id].add(assignment.worker_id)
            if assignment.worker_id in worker_ids:
                self._duty[assignment.worker_id].append(assignment.slot)
        for absence in Absence.objects.filter(worker__in=worker_ids).covering(first, last):
            self._absences[absence.worker_id].append(absence)
        approved = CompLeave.objects.filter(
            worker__in=worker_ids, status=CompLeave.Status.APPROVED, date__range=(first, last)
        ).values_list("worker", "date")
        for worker_id, day in approved:
            self._comp_leave[worker_id].add(day)

    def add(self, worker: User, slot: DutySlot) -> None:
        """`worker` was just put on `slot`: later answers count it."""
        self._on_slot[slot.pk].add(worker.pk)
        self._duty[worker.pk].append(slot)

    def why_not(
        self, worker: User, slot: DutySlot, *, lent_by: User | None = None
    ) -> list[Problem]:
        """Every rule that stops `worker` going on `slot`, hard ones first; no query."""
        names = {"worker": worker, "day": f"{slot.date:%Y-%m-%d}"}
        problems = []
        if slot.is_cancelled:
            problems.append(Problem(CANCELLED, cancelled_message(slot)))
        if not worker.is_duty_worker:
            message = _("%(worker)s is not an active duty worker.") % names
            problems.append(Problem(NOT_ON_DUTY, message))
        lent = lent_by is not None and lent_by.is_head_of(worker.community_id)
        if worker.community_id != slot.community_id and not lent:
            message = (
                _("%(worker)s belongs to another community; only their head can lend them.") % names
            )
            problems.append(Problem(OTHER_COMMUNITY, message))
        taken = self._on_slot[slot.pk]
        if worker.pk in taken:
            message = _("%(worker)s is already on this slot.") % names
            problems.append(Problem(ALREADY_ON_SLOT, message))
        elif not slot.is_cancelled and not slot.shortfall_with(len(taken)):
            message = _("This slot already has the %(n)d workers it needs.") % {
                "n": slot.workers_needed
            }
            problems.append(Problem(FULL, message))
        others = [other for other in self._duty[worker.pk] if other.pk != slot.pk]
        # Every assignment counts here, as in PostgreSQL's exclusion constraint.
        overlapping = [
            o for o in others if o.starts_at < slot.ends_at and o.ends_at > slot.starts_at
        ]
        for other in overlapping:
            message = _("%(worker)s is already on duty then: %(slot)s.") % {**names, "slot": other}
            problems.append(Problem(OVERLAP, message))
        for absence in self._absences[worker.pk]:
            if absence.first_day <= slot.date <= absence.last_day:
                if absence.kind == Absence.Kind.LEAVE:
                    rule, message = LEAVE, _("%(worker)s is on leave on %(day)s.") % names
                else:
                    rule, message = UNAVAILABLE, _("%(worker)s is unavailable on %(day)s.") % names
                problems.append(Problem(rule, message, overridable=True))
        if slot.date in self._comp_leave[worker.pk]:
            message = _("%(worker)s has approved comp leave on %(day)s.") % names
            problems.append(Problem(COMP_LEAVE, message, overridable=True))
        for other in others:
            if other.date == slot.date and not other.is_cancelled and other not in overlapping:
                message = _("%(worker)s already has a slot that day: %(slot)s.") % {
                    **names,
                    "slot": other,
                }
                problems.append(Problem(SAME_DAY, message, overridable=True))
        return problems
