"""Approving a swap meets the rota's rules (issue 18): the taker's leave, comp leave or other
slot that day refuse it, unless the head gives a reason, which is recorded and shown."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.models import Absence, Assignment, CompLeave, DutySlot, SlotKind, SwapRequest
from desks.rota import duty
from desks.rota.duty import RulesBroken, assign, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def swap(community, head, worker, colleague):
    """The worker asks the colleague to take Monday evening."""
    slot = make_slots(community, MONDAY, MONDAY)[0]
    assign(slot, worker)
    return duty.ask_swap(worker, slot, colleague, NOW)


@pytest.fixture
def as_head(client, head):
    client.force_login(head)
    return client


def approve(client, swap, **data):
    return client.post(reverse("desks:approve_swap", args=[swap.pk]), data)


def workers_on(slot):
    return set(Assignment.objects.filter(slot=slot).values_list("worker__username", flat=True))


def test_a_swap_onto_the_takers_leave_is_refused_and_nothing_changes(as_head, swap, colleague):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    response = as_head.post(
        reverse("desks:approve_swap", args=[swap.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f"{colleague} is on leave on 2026-11-30." in response.text
    assert "To approve anyway, give the reason" in response.text
    assert 'name="override_reason"' in response.text  # the field shows on that swap only
    assert "<html" not in response.text  # the fragment
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED
    assert workers_on(swap.slot) == {"worker"}


def test_a_swap_onto_a_day_the_taker_already_serves_is_refused(as_head, community, swap, colleague):
    afternoon = DutySlot.objects.create(
        community=community,
        date=MONDAY,
        starts_at=at(2026, 11, 30, 14),
        ends_at=at(2026, 11, 30, 16),
        kind=SlotKind.EVENING,
    )
    assign(afternoon, colleague)
    response = approve(as_head, swap)
    assert response.status_code == 200  # without htmx: the whole page, asking for a reason
    assert "already has a slot that day" in response.text
    assert 'name="override_reason"' in response.text and "<html" in response.text
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED
    assert workers_on(swap.slot) == {"worker"}


def test_a_swap_onto_approved_comp_leave_is_refused(swap, head, colleague):
    CompLeave.objects.create(
        worker=colleague,
        date=MONDAY,
        hours=Decimal(2),
        created_at=NOW,
        status=CompLeave.Status.APPROVED,
    )
    with pytest.raises(RulesBroken, match="has approved comp leave"):
        duty.approve_swap(swap, head, NOW)
    assert workers_on(swap.slot) == {"worker"}


def test_the_head_approves_with_a_reason_recorded_and_shown_on_the_rota_page(
    as_head, swap, head, colleague
):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    response = approve(as_head, swap, override_reason="已销假")
    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED
    taken = Assignment.objects.get(slot=swap.slot)
    assert taken.worker == colleague
    assert (taken.overridden_by, taken.overridden_at, taken.override_reason) == (
        head,
        NOW,
        "已销假",
    )
    assert taken.overridden_rules == [f"{colleague} is on leave on 2026-11-30."]
    page = as_head.get(reverse("desks:rota")).text
    assert f"rules overridden by {head.display_name}: 已销假" in page


def test_the_override_is_shown_to_the_head_only(client, swap, head, worker, colleague):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    duty.approve_swap(swap, head, NOW, override_reason="已销假")
    client.force_login(worker)
    assert "已销假" not in client.get(reverse("desks:rota")).text


def test_a_trade_on_one_day_is_no_second_slot(community, head, worker, colleague):
    """Each gives their slot away: neither ends up with two slots that day."""
    evening = make_slots(community, MONDAY, MONDAY)[0]
    afternoon = DutySlot.objects.create(
        community=community,
        date=MONDAY,
        starts_at=at(2026, 11, 30, 14),
        ends_at=at(2026, 11, 30, 16),
        kind=SlotKind.EVENING,
    )
    assign(evening, worker)
    assign(afternoon, colleague)
    swap = duty.ask_swap(worker, evening, colleague, NOW, other_slot=afternoon)
    duty.approve_swap(swap, head, NOW)
    assert workers_on(evening) == {"colleague"} and workers_on(afternoon) == {"worker"}
    assert not Assignment.objects.filter(overridden_by__isnull=False).exists()


def test_an_over_long_reason_is_refused_and_nothing_changes(as_head, swap, colleague):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    response = as_head.post(
        reverse("desks:approve_swap", args=[swap.pk]),
        {"override_reason": "长" * 301},
        headers={"HX-Request": "true"},
    )
    assert "at most 300 characters" in response.text
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED
    assert workers_on(swap.slot) == {"worker"}


def test_a_worker_cannot_approve_with_an_override(client, swap, colleague):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    client.force_login(colleague)
    assert approve(client, swap, override_reason="我自己同意").status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED


def test_another_communitys_head_cannot_approve_with_an_override(
    client, swap, neighbour, colleague
):
    Absence.objects.create(worker=colleague, first_day=MONDAY, last_day=MONDAY)
    client.force_login(make_user("head", community=neighbour))
    assert approve(client, swap, override_reason="顶班").status_code == 404
    assert workers_on(swap.slot) == {"worker"}


def test_approving_by_get_is_refused(as_head, swap):
    assert as_head.get(reverse("desks:approve_swap", args=[swap.pk])).status_code == 405


def test_the_rota_page_shows_overrides_in_the_same_queries_however_many(
    as_head, community, head, worker, colleague
):
    slots = [
        make_slots(community, day, day)[0] for day in (MONDAY + dt.timedelta(n) for n in range(4))
    ]
    Absence.objects.create(worker=worker, first_day=slots[0].date, last_day=slots[-1].date)
    assign(slots[0], worker, override_reason="顶班 0", by=head)
    with CaptureQueriesContext(connection) as one:
        assert as_head.get(reverse("desks:rota")).text.count("rules overridden by") == 1
    for n, slot in enumerate(slots[1:], start=1):
        assign(slot, worker, override_reason=f"顶班 {n}", by=head)
        assign(slot, colleague)
    with CaptureQueriesContext(connection) as four:
        assert as_head.get(reverse("desks:rota")).text.count("rules overridden by") == 4
    assert len(four.captured_queries) == len(one.captured_queries)
