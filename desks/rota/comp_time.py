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
from django.utils import timezone
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


def leave_days(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The days comp leave may be asked for: from the first of January of last year
    (leave taken and entered late) to a year from today."""
    today = timezone.localdate(now)
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + 1, day=28)
    return dt.date(today.year - 1, 1, 1), latest


def check_leave_day(day: dt.date, now: dt.datetime) -> None:
    """Raise RotaError if comp leave cannot be on `day` (see `leave_days`)."""
    first, last = leave_days(now)
    if not first <= day <= last:
        raise RotaError(
            _("Comp leave can be on a day from %(first)s to %(last)s.")
            % {"first": first.isoformat(), "last": last.isoformat()}
        )


def _lock_worker(worker_id: int) -> None:
    """Take the worker's row lock: every check of their balance followed by a change of
    their leave holds it, so concurrent requests and approvals are checked one by one."""
    User.objects.select_for_update().filter(pk=worker_id).first()


@transaction.atomic
def request_leave(
    worker: User, day: dt.date, hours: Decimal, now: dt.datetime, reason: str = ""
) -> CompLeave:
    """The worker asks for comp leave; the head approves it."""
    if hours <= 0:
        raise RotaError(_("Ask for more than zero hours."))
    check_leave_day(day, now)
    _lock_worker(worker.pk)
    available = balance(worker).available
    if hours > available:
        raise RotaError(
            _("You have %(available)s comp hours available; ask for no more than that.")
            % {"available": available}
        )
    return CompLeave.objects.create(
        worker=worker, date=day, hours=hours, reason=reason, created_at=now
    )


@transaction.atomic
def approve_leave(leave: CompLeave, head: User, now: dt.datetime) -> CompLeave:
    """The head (for a head's own leave, the street office) approves comp leave, if the
    balance still covers it."""
    _lock_worker(leave.worker_id)
    leave = _locked(leave)
    _check_decider(leave, head)
    current = balance(leave.worker).balance
    if leave.hours > current:
        raise RotaError(
            _("%(worker)s has only %(balance)s comp hours; this asks for %(hours)s.")
            % {"worker": leave.worker, "balance": current, "hours": leave.hours}
        )
    leave.status, leave.decided_at, leave.decided_by = CompLeave.Status.APPROVED, now, head
    leave.save(update_fields=["status", "decided_at", "decided_by"])
    return leave


@transaction.atomic
def refuse_leave(leave: CompLeave, head: User, now: dt.datetime) -> CompLeave:
    leave = _locked(leave)
    _check_decider(leave, head)
    leave.status, leave.decided_at, leave.decided_by = CompLeave.Status.REFUSED, now, head
    leave.save(update_fields=["status", "decided_at", "decided_by"])
    return leave


def _locked(leave: CompLeave) -> CompLeave:
    return (
        CompLeave.objects.select_for_update(of=("self",))
        .select_related("worker__community__street_office")
        .get(pk=leave.pk)
    )


def _check_decider(leave: CompLeave, user: User) -> None:
    if not leave.may_decide(user):
        if user.pk == leave.worker_id:
            raise RotaError(_("Your own comp leave is decided by the street office, not by you."))
        if leave.worker.is_head:
            raise RotaError(_("A head's comp leave is decided by their street office."))
        raise RotaError(_("Only the head of this worker's community can decide their leave."))
    if leave.status != CompLeave.Status.REQUESTED:
        raise RotaError(_("This leave has already been decided."))
