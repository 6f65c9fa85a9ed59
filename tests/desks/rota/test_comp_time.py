import datetime as dt
from decimal import Decimal

import pytest

from desks.models import CompLeave, Role
from desks.rota import comp_time
from desks.rota.duty import RotaError, assign, confirm_served, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_street_office, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def worker():
    office = make_street_office(
        comp_ratio_weekend=Decimal("1.5"), comp_ratio_evening=Decimal("1.0")
    )
    return make_user(community=make_community(office))


def served(worker, day, how="check-in"):
    slot = make_slots(worker.community, day, day)[0]
    assignment = assign(slot, worker)
    if how == "check-in":
        assignment.checked_in_at = slot.starts_at
        assignment.save(update_fields=["checked_in_at"])
    return assignment


def test_served_weekend_and_evening_hours_accrue_by_the_street_offices_ratios(worker):
    served(worker, dt.date(2026, 11, 10))  # Tuesday evening, 2 h × 1.0
    served(worker, dt.date(2026, 11, 14))  # Saturday, 8 h × 1.5
    assert comp_time.balance(worker).accrued == Decimal("14.0")


def test_duty_not_served_accrues_nothing(worker):
    served(worker, dt.date(2026, 11, 14), how="absent")
    assert comp_time.balance(worker).accrued == 0


def test_a_slot_confirmed_by_the_head_counts_as_served(worker):
    assignment = served(worker, dt.date(2026, 11, 10), how="absent")
    head = make_user(Role.HEAD, community=worker.community)
    confirm_served(assignment, head, NOW)
    assert comp_time.balance(worker).accrued == 2


def test_approved_leave_draws_the_balance_down_and_pending_leave_is_held(worker):
    served(worker, dt.date(2026, 11, 14))
    head = make_user(Role.HEAD, community=worker.community)
    first = comp_time.request_leave(worker, dt.date(2026, 12, 1), Decimal(4), NOW)
    comp_time.request_leave(worker, dt.date(2026, 12, 2), Decimal(3), NOW)
    comp_time.approve_leave(first, head, NOW)
    balance = comp_time.balance(worker)
    assert (balance.accrued, balance.taken, balance.pending) == (12, 4, 3)
    assert balance.balance == 8 and balance.available == 5


def test_nobody_asks_for_more_than_is_available(worker):
    served(worker, dt.date(2026, 11, 10))
    with pytest.raises(RotaError, match=r"2\.0"):
        comp_time.request_leave(worker, dt.date(2026, 12, 1), Decimal(3), NOW)
    assert not CompLeave.objects.exists()


def test_only_the_workers_own_head_decides_their_leave(worker):
    served(worker, dt.date(2026, 11, 14))
    leave = comp_time.request_leave(worker, dt.date(2026, 12, 1), Decimal(2), NOW)
    for someone in (worker, make_user(Role.HEAD)):
        with pytest.raises(RotaError):
            comp_time.approve_leave(leave, someone, NOW)
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.REQUESTED


def test_balances_of_many_workers_take_two_queries(worker, django_assert_num_queries):
    others = [make_user(community=worker.community) for _ in range(4)]
    served(worker, dt.date(2026, 11, 14))
    workers = list(
        type(worker)
        .objects.filter(pk__in=[worker.pk, *[o.pk for o in others]])
        .select_related("community__street_office")
    )
    with django_assert_num_queries(2):
        balances = comp_time.balances(workers)
    assert balances[worker.pk].accrued == 12 and balances[others[0].pk].accrued == 0


def test_a_head_does_not_approve_their_own_comp_leave(head):
    leave = CompLeave.objects.create(
        worker=head, date=dt.date(2026, 12, 1), hours=1, created_at=NOW
    )
    with pytest.raises(RotaError):
        comp_time.approve_leave(leave, head, NOW)
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.REQUESTED
