"""The duty rota: slots made from the opening hours, and the rules for putting workers on them.

Every change to who is on a slot goes through `assign` or `unassign`, so the
invariants hold whichever screen or command makes the change. The rules
themselves live in desks.rota.rules (`why_not`); among them:

- a worker is never on two overlapping slots (PostgreSQL also holds this with
  an exclusion constraint, see migration 0004);
- a slot never has more workers than it needs;
- a worker serves their own community unless a head of that community lends them;
- nobody goes on duty on a day of leave, unavailability or approved comp leave, or
  on a second slot the same day, unless a head overrides with a reason (recorded).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desks.hours import DayHours, DayKind, OpeningHours
from desks.models import Assignment, Community, DutySlot, MonthFigures, SlotKind, SwapRequest, User
from desks.rota.rules import (
    ONLY_HEADS_OVERRIDE,
    Checker,
    Problem,
    cancelled_message,
    may_override,
    why_not,
)


class RotaError(ValidationError):
    """A change to the rota that would break one of its rules; the message says which."""


class RulesBroken(RotaError):
    """Putting a worker on a slot breaks the rules in `problems`; the message lists them.

    `overridable`: a head may do it anyway, giving a reason.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(" ".join(problem.message for problem in problems))

    @property
    def overridable(self) -> bool:
        return all(problem.overridable for problem in self.problems)


def make_slots(community: Community, first: dt.date, last: dt.date) -> list[DutySlot]:
    """Create the missing slots of `community` from `first` to `last`; return them all, in order.

    Slots follow the opening hours, so holidays, working weekends and date
    overrides apply. Existing slots are kept (with their assignments).
    """
    opening = OpeningHours([community], first, last)
    existing = {
        slot.starts_at: slot
        for slot in DutySlot.objects.filter(community=community, date__range=(first, last))
    }
    wanted = []
    for day in opening.days(community):
        for window in day.windows:
            starts_at, ends_at = window.bounds(day.date)
            wanted.append(
                existing.get(starts_at)
                or DutySlot(
                    community=community,
                    date=day.date,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    kind=slot_kind(day),
                    workers_needed=community.workers_per_slot,
                )
            )
    made = DutySlot.objects.bulk_create([slot for slot in wanted if slot.pk is None])
    # bulk_create sends no post_save: slots made for a past day move its kept month.
    MonthFigures.forget((slot.community_id, slot.starts_at) for slot in made)
    return wanted


def slot_kind(day: DayHours) -> SlotKind:
    """Weekend or holiday duty, or a weekday evening (a working weekend day is a weekday)."""
    weekend = day.kind == DayKind.HOLIDAY or (
        day.date.weekday() >= 5 and day.kind != DayKind.WORKING_WEEKEND
    )
    return SlotKind.WEEKEND if weekend else SlotKind.EVENING


def check_assignable(slot: DutySlot, worker: User, *, lent_by: User | None = None) -> None:
    """Raise RulesBroken if `worker` cannot go on `slot` without an override; write nothing.

    Forms call this to give a message; `assign` checks again under a lock.
    """
    if problems := why_not(worker, slot, lent_by=lent_by):
        raise RulesBroken(problems)


def _lock_slots(pks) -> list[DutySlot]:
    """Lock the slots `pks` (their rows only, in pk order) and forget the kept figures
    of their months that have ended, in that order, before any worker is locked.

    Every rota write takes its locks in this order: slots, the kept months' rows
    (MonthFigures.forget writes one for an ended month), then workers. Forgetting
    later, when an assignment is saved, took the kept month's row after a worker's,
    and two heads' writes into one ended month could each wait for the other
    (a deadlock: tests/desks/rota/test_concurrency.py). The community is read, not
    locked.
    """
    slots = list(
        DutySlot.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk__in=set(pks))
        .order_by("pk")
    )
    MonthFigures.forget((slot.community_id, slot.starts_at) for slot in slots)
    return slots


@transaction.atomic
def assign(
    slot: DutySlot,
    worker: User,
    *,
    lent_by: User | None = None,
    override_reason: str = "",
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    """Put `worker` on `slot`, or raise RotaError saying which rules stop it.

    With an `override_reason`, `by` (a head of the slot's community or its street
    office: `rules.may_override`) puts them on despite the rules that may be overridden
    (leave, another slot that day…); the assignment records who, when, why and what the
    rules said. The hard rules hold whatever the reason.
    """
    # Lock the slot: two people filling its last place at once cannot both succeed.
    locked = _lock_slots([slot.pk])
    if not locked:
        raise DutySlot.DoesNotExist(f"slot {slot.pk} was deleted")
    slot = locked[0]
    # Lock the worker: two heads putting them on two slots of one day queue here, and
    # the second sees the first's slot. Comp leave takes the same lock (comp_time).
    User.objects.select_for_update().filter(pk=worker.pk).values_list("pk").get()
    problems = why_not(worker, slot, lent_by=lent_by)
    override_reason = override_reason.strip()
    override = {}
    if problems:
        broken = RulesBroken(problems)
        if not override_reason or not broken.overridable:
            raise broken
        if by is None or not may_override(by, slot):
            raise RotaError(str(ONLY_HEADS_OVERRIDE))
        override = {
            "override_reason": override_reason,
            "overridden_by": by,
            "overridden_at": now or timezone.now(),
            "overridden_rules": [problem.message for problem in problems],
        }
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                slot=slot,
                worker=worker,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                lent_by=lent_by if worker.community_id != slot.community_id else None,
                **override,
            )
    except IntegrityError as error:
        # PostgreSQL's exclusion constraint caught a booking made at the same moment.
        raise RotaError(
            _("%(worker)s was just booked onto an overlapping slot.") % {"worker": worker}
        ) from error


@transaction.atomic
def assign_many(placements: list[tuple[DutySlot, User]]) -> list[Assignment]:
    """Put each worker on its slot, all or none: `assign`'s rules and locks, without
    overrides, in a fixed number of queries however many placements (generation).

    Raises RulesBroken at the first placement the rules refuse, counting the ones before.
    """
    if not placements:
        return []
    # The same locks as `assign`, slots then workers, each in pk order.
    slots = {slot.pk: slot for slot in _lock_slots({s.pk for s, _w in placements})}
    workers = {worker.pk: worker for _slot, worker in placements}
    list(User.objects.select_for_update().filter(pk__in=workers).order_by("pk").values_list("pk"))
    checker = Checker(workers.values(), slots.values())
    made = []
    for slot, worker in placements:
        slot = slots[slot.pk]
        if problems := checker.why_not(worker, slot):
            raise RulesBroken(problems)
        checker.add(worker, slot)
        made.append(
            Assignment(slot=slot, worker=worker, starts_at=slot.starts_at, ends_at=slot.ends_at)
        )
    try:
        with transaction.atomic():
            created = Assignment.objects.bulk_create(made)
            # No post_save either: comp time of a past slot is in its kept month.
            MonthFigures.forget((a.slot.community_id, a.starts_at) for a in created)
            return created
    except IntegrityError as error:
        # PostgreSQL's exclusion constraint caught a booking made at the same moment.
        raise RotaError(_("A worker was just booked onto an overlapping slot.")) from error


def unassign(slot: DutySlot, worker: User) -> None:
    Assignment.objects.filter(slot=slot, worker=worker).delete()


# Check-in and serving ------------------------------------------------------

CHECK_IN_EARLY = dt.timedelta(minutes=30)


def check_in(assignment: Assignment, now: dt.datetime) -> Assignment:
    """The worker arrives at the desk: from CHECK_IN_EARLY before the slot until it ends.

    Checking in makes the slot served, so it counts for fairness and comp time.
    Checking in twice keeps the first time.
    """
    if assignment.checked_in_at is not None:
        return assignment
    if assignment.slot.is_cancelled:
        raise RotaError(cancelled_message(assignment.slot))
    if not assignment.starts_at - CHECK_IN_EARLY <= now < assignment.ends_at:
        raise RotaError(
            _("You can check in from %(minutes)d minutes before the slot until it ends.")
            % {"minutes": CHECK_IN_EARLY // dt.timedelta(minutes=1)}
        )
    assignment.checked_in_at = now
    assignment.save(update_fields=["checked_in_at"])
    return assignment


def check_out(assignment: Assignment, now: dt.datetime) -> Assignment:
    """The worker leaves the desk; only after checking in."""
    if assignment.checked_in_at is None:
        raise RotaError(_("Check in before checking out."))
    if assignment.checked_out_at is not None:
        return assignment
    assignment.checked_out_at = max(now, assignment.checked_in_at)
    assignment.save(update_fields=["checked_out_at"])
    return assignment


def confirm_served(assignment: Assignment, head: User, now: dt.datetime) -> Assignment:
    """The head confirms the worker served a slot they forgot to check in to."""
    if not head.is_head_of(assignment.slot.community_id):
        raise RotaError(_("Only the head of this community can confirm duty served."))
    if head.pk == assignment.worker_id:
        raise RotaError(_("Nobody confirms their own duty: check in at the desk instead."))
    if assignment.slot.is_cancelled:
        raise RotaError(cancelled_message(assignment.slot))
    if assignment.starts_at > now:
        raise RotaError(_("A slot can be confirmed as served only once it has started."))
    if assignment.confirmed_by_id is None:
        assignment.confirmed_by = head
        assignment.save(update_fields=["confirmed_by"])
    return assignment


def previous_slot(slot: DutySlot) -> DutySlot | None:
    """The community's slot before `slot`, whose handover note (交接班) the desk shows."""
    return DutySlot.objects.before(slot).first()


# Swaps (调班) ---------------------------------------------------------------


def ask_swap(
    requester: User,
    slot: DutySlot,
    colleague: User,
    now: dt.datetime,
    *,
    other_slot: DutySlot | None = None,
    note: str = "",
) -> SwapRequest:
    """Ask `colleague` to take `slot` (or to trade it for `other_slot`). Changes no rota.

    Swaps are between planned workers: a head would be asking themselves to approve.
    """
    if not requester.is_planned_worker:
        raise RotaError(_("Heads do not ask for swaps: change your own duty in the rota."))
    if not slot.assignments.filter(worker=requester).exists():
        raise RotaError(_("You are not on that slot."))
    if slot.starts_at <= now:
        raise RotaError(_("That slot has already started."))
    if colleague.pk == requester.pk:
        raise RotaError(_("Choose a colleague other than yourself."))
    if colleague.community_id != slot.community_id or not colleague.is_active:
        raise RotaError(
            _("%(colleague)s does not serve this community; ask a colleague from it.")
            % {"colleague": colleague}
        )
    if not colleague.is_planned_worker:
        raise RotaError(
            _("Swaps are between duty workers; ask the head to stand in by hand instead.")
        )
    if slot.assignments.filter(worker=colleague).exists():
        raise RotaError(_("%(colleague)s is already on that slot.") % {"colleague": colleague})
    if other_slot is not None:
        if not other_slot.assignments.filter(worker=colleague).exists():
            raise RotaError(
                _("%(colleague)s is not on the slot you offered to take.")
                % {"colleague": colleague}
            )
        if other_slot.starts_at <= now:
            raise RotaError(_("The slot you offered to take has already started."))
    return SwapRequest.objects.create(
        requester=requester,
        slot=slot,
        colleague=colleague,
        other_slot=other_slot,
        note=note,
        created_at=now,
    )


def _locked(swap: SwapRequest) -> SwapRequest:
    """`swap` read again under a row lock (inside a transaction).

    Every change of a swap's status takes this lock and checks the status it finds,
    so of two answers given at the same moment (approve and cancel, say) the second
    sees the first and is refused instead of overwriting it.
    """
    return (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("slot", "other_slot")
        .get(pk=swap.pk)
    )


@transaction.atomic
def _answer(swap: SwapRequest, colleague: User, status: str, now: dt.datetime) -> SwapRequest:
    swap = _locked(swap)
    if not swap.may_answer(colleague):
        if swap.colleague_id != colleague.pk:
            raise RotaError(_("This swap was not asked of you."))
        raise RotaError(_("This swap has already been answered."))
    swap.status = status
    swap.answered_at = now
    swap.save(update_fields=["status", "answered_at"])
    return swap


def accept_swap(swap: SwapRequest, colleague: User, now: dt.datetime) -> SwapRequest:
    """The colleague agrees; the head still has to approve before anything changes."""
    return _answer(swap, colleague, SwapRequest.Status.ACCEPTED, now)


def decline_swap(swap: SwapRequest, colleague: User, now: dt.datetime) -> SwapRequest:
    return _answer(swap, colleague, SwapRequest.Status.DECLINED, now)


@transaction.atomic
def cancel_swap(swap: SwapRequest, requester: User, now: dt.datetime) -> SwapRequest:
    swap = _locked(swap)
    if not swap.may_cancel(requester):
        if swap.requester_id != requester.pk:
            raise RotaError(_("Only the worker who asked can cancel this swap."))
        raise RotaError(_("This swap is already closed."))
    swap.status = SwapRequest.Status.CANCELLED
    swap.answered_at = now
    swap.save(update_fields=["status", "answered_at"])
    return swap


def _check_head(swap: SwapRequest, head: User) -> None:
    if not swap.may_decide(head):
        if not head.is_head_of(swap.slot.community_id):
            raise RotaError(_("Only the head of this community can decide this swap."))
        raise RotaError(_("This swap is already closed."))


@transaction.atomic
def approve_swap(
    swap: SwapRequest, head: User, now: dt.datetime, *, override_reason: str = ""
) -> SwapRequest:
    """Make the swap, through `assign`, so that it obeys every rule of the rota.

    The head may approve before the colleague has answered: that is the head
    making the swap on their behalf. If any rule breaks, nothing changes and
    RotaError says why; with an `override_reason` the head makes it despite the
    rules that may be overridden (leave, another slot that day), recorded on the
    new assignments.
    """
    # Lock the slots first, always in the same order (by pk), then the swap: two
    # swaps of one slot approved at once queue here, and the second then finds the
    # requester gone from the slot. The swap's own lock orders approve against
    # cancel, refuse and answers (`_locked`).
    _lock_slots(filter(None, (swap.slot_id, swap.other_slot_id)))
    swap = _locked(swap)
    _check_head(swap, head)
    for slot in filter(None, (swap.slot, swap.other_slot)):
        if slot.starts_at <= now:
            raise RotaError(_("%(slot)s has already started.") % {"slot": slot})
    requester, colleague = swap.requester, swap.colleague
    if not swap.slot.assignments.filter(worker=requester).exists():
        raise RotaError(
            _("%(worker)s is no longer on %(slot)s.") % {"worker": requester, "slot": swap.slot}
        )
    if swap.other_slot and not swap.other_slot.assignments.filter(worker=colleague).exists():
        raise RotaError(
            _("%(worker)s is no longer on %(slot)s.")
            % {"worker": colleague, "slot": swap.other_slot}
        )
    unassign(swap.slot, requester)
    if swap.other_slot:
        unassign(swap.other_slot, colleague)
    override = {"override_reason": override_reason, "by": head, "now": now}
    assign(swap.slot, colleague, **override)
    if swap.other_slot:
        assign(swap.other_slot, requester, **override)
    swap.status = SwapRequest.Status.APPROVED
    swap.decided_at, swap.decided_by = now, head
    swap.save(update_fields=["status", "decided_at", "decided_by"])
    return swap


@transaction.atomic
def refuse_swap(swap: SwapRequest, head: User, now: dt.datetime, reason: str = "") -> SwapRequest:
    swap = _locked(swap)
    _check_head(swap, head)
    swap.status = SwapRequest.Status.REFUSED
    swap.decided_at, swap.decided_by, swap.refusal = now, head, reason
    swap.save(update_fields=["status", "decided_at", "decided_by", "refusal"])
    return swap
