"""Races on real PostgreSQL transactions: bookings, swap decisions and comp leave."""

import datetime as dt
import threading
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.utils import translation

from desks.models import Assignment, CompLeave, DutySlot, Role, SwapRequest
from desks.rota import comp_time, duty
from desks.rota.duty import RotaError, assign, make_slots
from tests.factories import make_community, make_street_office, make_user


@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_concurrent_overlapping_bookings_succeeds():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    here = make_community()
    there = make_community(here.street_office)
    worker = make_user(community=here)
    head = make_user("head", community=here)
    day = dt.date(2026, 12, 1)
    slots = [make_slots(here, day, day)[0], make_slots(there, day, day)[0]]
    barrier = threading.Barrier(2)
    outcomes = []

    def book(slot):
        try:
            barrier.wait(timeout=10)
            assign(slot, worker, lent_by=head if slot.community_id != here.pk else None)
            outcomes.append("booked")
        except RotaError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["booked", "refused"]
    assert Assignment.objects.filter(worker=worker).count() == 1


# Swaps and comp leave (issue 16, item 7) -------------------------------------

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SWAP_DAY = dt.date(2026, 11, 30)


def race(*calls):
    """Run each call in its own thread and transaction, all released at once; return
    what each one gave: "done", or the RotaError's message. Anything else a call raises
    (a deadlock, say: a 500 for one of two heads) fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)
    unexpected = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # messages read as the tests write them
                call()
            outcomes[index] = "done"
        except RotaError as error:
            outcomes[index] = error.message
        except Exception as error:  # reported below, in the test's thread
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not unexpected, unexpected
    return outcomes


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_of_six_concurrent_approvals_of_two_swaps_of_one_slot_exactly_one_succeeds():
    needs_postgresql()
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    requester, first, second = (make_user(community=community) for _ in range(3))
    slot = make_slots(community, SWAP_DAY, SWAP_DAY)[0]
    # Room for everyone: only the locks, not the slot's shortfall, can stop the second swap.
    DutySlot.objects.filter(pk=slot.pk).update(workers_needed=5)
    slot.refresh_from_db()
    assign(slot, requester)
    swaps = [duty.ask_swap(requester, slot, colleague, NOW) for colleague in (first, second)]

    outcomes = race(*(partial(duty.approve_swap, swaps[i % 2], head, NOW) for i in range(6)))

    assert outcomes.count("done") == 1, outcomes
    approved = SwapRequest.objects.get(status=SwapRequest.Status.APPROVED)
    assert SwapRequest.objects.filter(status__in=SwapRequest.OPEN).count() == 1
    on_slot = set(slot.assignments.values_list("worker", flat=True))
    assert on_slot == {approved.colleague_id}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_approve_and_cancel_at_once_leave_the_swap_and_the_rota_agreeing(round_):
    needs_postgresql()
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    requester, colleague = make_user(community=community), make_user(community=community)
    slot = make_slots(community, SWAP_DAY, SWAP_DAY)[0]
    assign(slot, requester)
    swap = duty.ask_swap(requester, slot, colleague, NOW)

    outcomes = race(
        partial(duty.approve_swap, swap, head, NOW),
        partial(duty.cancel_swap, swap, requester, NOW),
    )

    assert outcomes.count("done") == 1, outcomes
    swap.refresh_from_db()
    on_slot = set(slot.assignments.values_list("worker", flat=True))
    if swap.status == SwapRequest.Status.APPROVED:
        assert on_slot == {colleague.pk}
    else:
        assert swap.status == SwapRequest.Status.CANCELLED
        assert on_slot == {requester.pk}


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_leave_requests_of_24_hours_on_96_hours_get_at_most_four():
    needs_postgresql()
    office = make_street_office(comp_ratio_weekend=Decimal("2.0"))
    worker = make_user(community=make_community(office))
    for saturday in (7, 14, 21):  # 3 Saturdays × 8 h × 2.0 = 48 h …
        for day in (saturday, saturday + 1):  # … and their Sundays: 96 h
            slot = make_slots(worker.community, dt.date(2026, 11, day), dt.date(2026, 11, day))[0]
            assignment = assign(slot, worker)
            assignment.checked_in_at = slot.starts_at
            assignment.save(update_fields=["checked_in_at"])
    assert comp_time.balance(worker).available == 96

    outcomes = race(
        *(
            partial(comp_time.request_leave, worker, dt.date(2026, 12, day), Decimal(24), NOW)
            for day in range(1, 7)
        )
    )

    assert outcomes.count("done") == 4, outcomes
    assert CompLeave.objects.filter(worker=worker).count() == 4
    assert comp_time.balance(worker).available == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_cannot_take_more_than_the_balance():
    needs_postgresql()
    office = make_street_office(comp_ratio_weekend=Decimal("1.0"))
    worker = make_user(community=make_community(office))
    head = make_user(Role.HEAD, community=worker.community)
    slot = make_slots(worker.community, dt.date(2026, 11, 14), dt.date(2026, 11, 14))[0]
    assignment = assign(slot, worker)
    assignment.checked_in_at = slot.starts_at
    assignment.save(update_fields=["checked_in_at"])
    # Two requests of 8 h each, stored as if asked before the balance was spent elsewhere.
    leaves = [
        CompLeave.objects.create(worker=worker, date=dt.date(2026, 12, d), hours=8, created_at=NOW)
        for d in (1, 2)
    ]

    outcomes = race(*(partial(comp_time.approve_leave, leave, head, NOW) for leave in leaves))

    assert outcomes.count("done") == 1, outcomes
    assert comp_time.balance(worker).taken == 8


# One slot a day, and leave, on every path (issue 18) ---------------------------------


def afternoon_of(community, day):
    """A second slot that day, 14:00–16:00: it does not overlap the evening."""
    starts_at = dt.datetime(day.year, day.month, day.day, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
    return DutySlot.objects.create(
        community=community,
        date=day,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        kind="evening",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_heads_putting_one_worker_on_two_slots_of_a_day_at_once_get_one(round_):
    """The slots differ, so their locks do not queue the two; the worker's row lock does."""
    needs_postgresql()
    here = make_community()
    there = make_community(here.street_office)
    worker = make_user(community=here)
    head = make_user(Role.HEAD, community=here)
    make_user(Role.HEAD, community=there)
    evening = make_slots(here, SWAP_DAY, SWAP_DAY)[0]
    afternoon = afternoon_of(there, SWAP_DAY)

    outcomes = race(
        partial(assign, evening, worker),
        partial(assign, afternoon, worker, lent_by=head),
    )

    assert outcomes.count("done") == 1, outcomes
    assert any("already has a slot that day" in outcome for outcome in outcomes), outcomes
    assert Assignment.objects.filter(worker=worker).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_swap_approved_while_the_taker_is_put_on_another_slot_that_day_gives_one():
    needs_postgresql()
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    requester, colleague = make_user(community=community), make_user(community=community)
    evening = make_slots(community, SWAP_DAY, SWAP_DAY)[0]
    afternoon = afternoon_of(community, SWAP_DAY)
    assign(evening, requester)
    swap = duty.ask_swap(requester, evening, colleague, NOW)

    outcomes = race(
        partial(duty.approve_swap, swap, head, NOW),
        partial(assign, afternoon, colleague),
    )

    assert outcomes.count("done") == 1, outcomes
    assert Assignment.objects.filter(worker=colleague).count() == 1
