"""The duty rota: slots made from the opening hours, and the rules for putting workers on them.

Every change to who is on a slot goes through `assign` or `unassign`, so the
invariants hold whichever screen or command makes the change:

- a worker is never on two overlapping slots (PostgreSQL also holds this with
  an exclusion constraint, see migration 0004);
- a slot never has more workers than it needs;
- a worker serves their own community unless a head of that community lends them.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from desks.hours import DayKind, OpeningHours
from desks.models import Assignment, Community, DutySlot, Role, SlotKind, User


class RotaError(ValidationError):
    """A change to the rota that would break one of its rules; the message says which."""


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
        weekend = day.kind == DayKind.HOLIDAY or (
            day.date.weekday() >= 5 and day.kind != DayKind.WORKING_WEEKEND
        )
        for window in day.windows:
            starts_at, ends_at = window.bounds(day.date)
            wanted.append(
                existing.get(starts_at)
                or DutySlot(
                    community=community,
                    date=day.date,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    kind=SlotKind.WEEKEND if weekend else SlotKind.EVENING,
                    workers_needed=community.workers_per_slot,
                )
            )
    DutySlot.objects.bulk_create([slot for slot in wanted if slot.pk is None])
    return wanted


@transaction.atomic
def assign(slot: DutySlot, worker: User, *, lent_by: User | None = None) -> Assignment:
    """Put `worker` on `slot`, or raise RotaError saying which rule stops it."""
    # Lock the slot: two people filling its last place at once cannot both succeed.
    slot = DutySlot.objects.select_for_update().get(pk=slot.pk)
    if worker.role not in (Role.WORKER, Role.HEAD) or not worker.is_active:
        raise RotaError(_("%(worker)s is not an active duty worker.") % {"worker": worker})
    if worker.community_id != slot.community_id:
        lender_ok = (
            lent_by is not None
            and lent_by.role == Role.HEAD
            and lent_by.community_id == worker.community_id
        )
        if not lender_ok:
            raise RotaError(
                _("%(worker)s belongs to another community; only their head can lend them.")
                % {"worker": worker}
            )
    if slot.assignments.count() >= slot.workers_needed:
        raise RotaError(
            _("This slot already has the %(n)d workers it needs.") % {"n": slot.workers_needed}
        )
    clash = Assignment.objects.filter(
        worker=worker, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at
    ).select_related("slot__community")
    if clash_with := clash.first():
        raise RotaError(
            _("%(worker)s is already on duty then: %(slot)s.")
            % {"worker": worker, "slot": clash_with.slot}
        )
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                slot=slot,
                worker=worker,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                lent_by=lent_by if worker.community_id != slot.community_id else None,
            )
    except IntegrityError as error:
        # PostgreSQL's exclusion constraint caught a booking made at the same moment.
        raise RotaError(
            _("%(worker)s was just booked onto an overlapping slot.") % {"worker": worker}
        ) from error


def unassign(slot: DutySlot, worker: User) -> None:
    Assignment.objects.filter(slot=slot, worker=worker).delete()


def check_in(assignment: Assignment, now) -> None:
    """The worker arrives: the slot counts as served (and feeds comp time)."""
    if assignment.checked_in_at is None:
        assignment.checked_in_at = now
        assignment.save(update_fields=["checked_in_at"])


def check_out(assignment: Assignment, now) -> None:
    if assignment.checked_in_at is not None and assignment.checked_out_at is None:
        assignment.checked_out_at = now
        assignment.save(update_fields=["checked_out_at"])
