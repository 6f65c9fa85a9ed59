"""Comp time (调休台账): hours owed back to a worker for extended-hours duty.

Every slot is outside normal office hours, so every *served* slot accrues:
its hours times the street office's ratio for its kind (weekend/holiday or
weekday evening, 1.0 each by default). Approved comp leave draws the balance
down; requested leave is held against it, so nobody asks for the same hours twice.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext as _

from desks.models import Assignment, CompLeave, SlotKind, User
from desks.rota import RotaError

_DURATION = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
HOUR = Decimal("0.1")


def _hours(duration: dt.timedelta | None) -> Decimal:
    if not duration:
        return Decimal(0)
    return Decimal(duration.total_seconds()) / 3600


@dataclass(frozen=True)
class Balance:
    accrued: Decimal
    taken: Decimal
    pending: Decimal

    @property
    def available(self) -> Decimal:
        """What the worker may still ask for."""
        return self.accrued - self.taken - self.pending

    @property
    def balance(self) -> Decimal:
        return self.accrued - self.taken


def accrued(worker: User) -> Decimal:
    """Comp hours earned by served duty, by the worker's street office's ratios."""
    totals = (
        Assignment.objects.served()
        .filter(worker=worker)
        .aggregate(
            weekend=Sum(_DURATION, filter=Q(slot__kind=SlotKind.WEEKEND)),
            evening=Sum(_DURATION, filter=Q(slot__kind=SlotKind.EVENING)),
        )
    )
    office = worker.community.street_office if worker.community_id else None
    weekend_ratio = office.comp_ratio_weekend if office else Decimal(1)
    evening_ratio = office.comp_ratio_evening if office else Decimal(1)
    total = _hours(totals["weekend"]) * weekend_ratio + _hours(totals["evening"]) * evening_ratio
    return total.quantize(HOUR)


def balance(worker: User) -> Balance:
    leave = CompLeave.objects.filter(worker=worker).aggregate(
        taken=Sum("hours", filter=Q(status=CompLeave.Status.APPROVED)),
        pending=Sum("hours", filter=Q(status=CompLeave.Status.REQUESTED)),
    )
    return Balance(accrued(worker), leave["taken"] or Decimal(0), leave["pending"] or Decimal(0))


def request_leave(
    worker: User, day: dt.date, hours: Decimal, now: dt.datetime, reason: str = ""
) -> CompLeave:
    """The worker asks for comp leave; the head approves it."""
    if hours <= 0:
        raise RotaError(_("Ask for more than zero hours."))
    if hours > balance(worker).available:
        raise RotaError(
            _("You have %(available)s comp hours available; ask for no more than that.")
            % {"available": balance(worker).available}
        )
    return CompLeave.objects.create(
        worker=worker, date=day, hours=hours, reason=reason, created_at=now
    )


@transaction.atomic
def approve_leave(leave: CompLeave, head: User, now: dt.datetime) -> CompLeave:
    """The head approves comp leave, if the balance still covers it."""
    leave = CompLeave.objects.select_for_update().select_related("worker").get(pk=leave.pk)
    _check_head(leave, head)
    if leave.hours > balance(leave.worker).balance:
        raise RotaError(
            _("%(worker)s has only %(balance)s comp hours; this asks for %(hours)s.")
            % {
                "worker": leave.worker,
                "balance": balance(leave.worker).balance,
                "hours": leave.hours,
            }
        )
    leave.status, leave.decided_at, leave.decided_by = CompLeave.Status.APPROVED, now, head
    leave.save(update_fields=["status", "decided_at", "decided_by"])
    return leave


def refuse_leave(leave: CompLeave, head: User, now: dt.datetime) -> CompLeave:
    _check_head(leave, head)
    leave.status, leave.decided_at, leave.decided_by = CompLeave.Status.REFUSED, now, head
    leave.save(update_fields=["status", "decided_at", "decided_by"])
    return leave


def _check_head(leave: CompLeave, head: User) -> None:
    if not (head.is_head and head.community_id == leave.worker.community_id):
        raise RotaError(_("Only the head of this worker's community can decide their leave."))
    if leave.status != CompLeave.Status.REQUESTED:
        raise RotaError(_("This leave has already been decided."))
