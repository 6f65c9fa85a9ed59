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
from desks.rota.duty import RotaError

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


def balances(workers) -> dict[int, Balance]:
    """Each worker's comp-time balance, in two aggregate queries however many workers."""
    workers = list(workers)
    ratios = {}
    for worker in workers:
        office = worker.community.street_office if worker.community_id else None
        ratios[worker.pk] = {
            SlotKind.WEEKEND: office.comp_ratio_weekend if office else Decimal(1),
            SlotKind.EVENING: office.comp_ratio_evening if office else Decimal(1),
        }
    earned = dict.fromkeys(ratios, Decimal(0))
    served = (
        Assignment.objects.served()
        .filter(worker__in=ratios)
        .values("worker", "slot__kind")
        .annotate(duration=Sum(_DURATION))
    )
    for row in served:
        earned[row["worker"]] += _hours(row["duration"]) * ratios[row["worker"]][row["slot__kind"]]
    leave = {
        row["worker"]: row
        for row in CompLeave.objects.filter(worker__in=ratios)
        .values("worker")
        .annotate(
            taken=Sum("hours", filter=Q(status=CompLeave.Status.APPROVED)),
            pending=Sum("hours", filter=Q(status=CompLeave.Status.REQUESTED)),
        )
    }
    return {
        pk: Balance(
            earned[pk].quantize(HOUR),
            leave.get(pk, {}).get("taken") or Decimal(0),
            leave.get(pk, {}).get("pending") or Decimal(0),
        )
        for pk in ratios
    }


def balance(worker: User) -> Balance:
    """Hours earned by served duty (times the street office's ratios), taken, and asked for."""
    return balances([worker])[worker.pk]


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
    if not head.is_head_of(leave.worker.community_id):
        raise RotaError(_("Only the head of this worker's community can decide their leave."))
    if head.pk == leave.worker_id:
        raise RotaError(_("Your own comp leave is decided by the street office, not by you."))
    if leave.status != CompLeave.Status.REQUESTED:
        raise RotaError(_("This leave has already been decided."))
