"""Who decides what (issue 16, item 7): nobody decides their own comp leave or swap; a
head's comp leave goes to their street office; comp leave only on sensible days."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from desks.models import CompLeave, Role, SwapRequest
from desks.rota import comp_time, duty
from desks.rota.duty import RotaError, assign, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


def serve_a_saturday(user):
    """8 h of comp time for `user`."""
    slot = make_slots(user.community, dt.date(2026, 11, 14), dt.date(2026, 11, 14))[0]
    assignment = assign(slot, user)
    assignment.checked_in_at = slot.starts_at
    assignment.save(update_fields=["checked_in_at"])


# Days comp leave may be on -----------------------------------------------------


def test_leave_days_run_from_january_of_last_year_to_a_year_from_today():
    assert comp_time.leave_days(NOW) == (dt.date(2025, 1, 1), dt.date(2027, 11, 24))


@pytest.mark.parametrize(
    "day, allowed",
    [
        (dt.date(1, 1, 1), False),
        (dt.date(2024, 12, 31), False),
        (dt.date(2025, 1, 1), True),
        (dt.date(2027, 11, 24), True),
        (dt.date(2027, 11, 25), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_comp_leave_is_asked_for_only_on_days_within_the_bounds(worker, day, allowed):
    serve_a_saturday(worker)
    if allowed:
        comp_time.request_leave(worker, day, Decimal(1), NOW)
        assert CompLeave.objects.count() == 1
    else:
        with pytest.raises(RotaError, match="from 2025-01-01 to 2027-11-24"):
            comp_time.request_leave(worker, day, Decimal(1), NOW)
        assert not CompLeave.objects.exists()


def test_a_far_day_posted_to_the_desk_is_a_message_and_stores_nothing(client, worker):
    serve_a_saturday(worker)
    client.force_login(worker)
    response = client.post(reverse("desks:ask_comp_leave"), {"date": "0001-01-01", "hours": "2"})
    assert response.status_code == 200  # the form again, with its error
    assert "Comp leave can be on a day from 2025-01-01 to 2027-11-24." in response.text
    assert not CompLeave.objects.exists()


def test_a_far_day_entered_in_the_admin_is_refused(client, head, worker):
    serve_a_saturday(worker)
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_compleave_add"),
        {"worker": worker.pk, "date": "0001-01-01", "hours": "2", "reason": ""},
    )
    assert response.status_code == 200
    assert "Comp leave can be on a day from" in response.text
    assert not CompLeave.objects.exists()


# A head's own comp leave -------------------------------------------------------


@pytest.fixture
def heads_leave(head):
    serve_a_saturday(head)
    return comp_time.request_leave(head, dt.date(2026, 12, 4), Decimal(4), NOW)


def test_a_head_cannot_approve_their_own_comp_leave(head, heads_leave):
    with pytest.raises(RotaError, match="decided by the street office"):
        comp_time.approve_leave(heads_leave, head, NOW)
    heads_leave.refresh_from_db()
    assert heads_leave.status == CompLeave.Status.REQUESTED


def test_their_street_office_approves_a_heads_comp_leave(office, heads_leave):
    comp_time.approve_leave(heads_leave, office, NOW)
    heads_leave.refresh_from_db()
    assert (heads_leave.status, heads_leave.decided_by) == (CompLeave.Status.APPROVED, office)


def test_nobody_else_decides_a_heads_comp_leave(
    community, neighbour, other_office, worker, heads_leave
):
    other_head = make_user(Role.HEAD, community=neighbour)
    stranger = make_user(Role.OFFICE, street_office=other_office.street_office)
    for user in (worker, other_head, stranger):
        for decide in (comp_time.approve_leave, comp_time.refuse_leave):
            with pytest.raises(RotaError):
                decide(heads_leave, user, NOW)
    heads_leave.refresh_from_db()
    assert heads_leave.status == CompLeave.Status.REQUESTED


def test_the_street_office_does_not_decide_a_workers_leave_in_the_heads_place(office, worker):
    serve_a_saturday(worker)
    leave = comp_time.request_leave(worker, dt.date(2026, 12, 4), Decimal(4), NOW)
    with pytest.raises(RotaError, match="Only the head of this worker's community"):
        comp_time.approve_leave(leave, office, NOW)
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.REQUESTED


def test_the_street_office_approves_a_heads_leave_by_an_admin_action(client, office, heads_leave):
    client.force_login(office)
    response = client.post(
        reverse("admin:desks_compleave_changelist"),
        {"action": "approve_selected", "_selected_action": [heads_leave.pk]},
        follow=True,
    )
    assert response.status_code == 200
    heads_leave.refresh_from_db()
    assert heads_leave.status == CompLeave.Status.APPROVED


def test_a_head_approving_their_own_leave_by_the_admin_action_is_told_why_not(
    client, head, heads_leave
):
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_compleave_changelist"),
        {"action": "approve_selected", "_selected_action": [heads_leave.pk]},
        follow=True,
    )
    assert "decided by the street office" in response.text
    heads_leave.refresh_from_db()
    assert heads_leave.status == CompLeave.Status.REQUESTED


def test_the_head_still_decides_a_workers_leave_on_the_desk(client, head, worker):
    serve_a_saturday(worker)
    leave = comp_time.request_leave(worker, dt.date(2026, 12, 4), Decimal(4), NOW)
    client.force_login(head)
    client.post(reverse("desks:approve_comp_leave", args=[leave.pk]))
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.APPROVED


# A head's own swap -------------------------------------------------------------


@pytest.fixture
def heads_swap(community, head, worker):
    slot = make_slots(community, dt.date(2026, 11, 30), dt.date(2026, 11, 30))[0]
    assign(slot, head)
    # Heads can no longer ask (see below); a swap asked before that still waits.
    return SwapRequest.objects.create(requester=head, slot=slot, colleague=worker, created_at=NOW)


def test_a_head_cannot_ask_for_a_swap(community, head, worker):
    slot = make_slots(community, dt.date(2026, 11, 30), dt.date(2026, 11, 30))[0]
    assign(slot, head)
    with pytest.raises(RotaError, match="Heads do not ask for swaps"):
        duty.ask_swap(head, slot, worker, NOW)
    assert not SwapRequest.objects.exists()


def test_a_head_cannot_approve_a_swap_they_asked_for(head, heads_swap):
    assert not heads_swap.may_decide(head)
    annotated = SwapRequest.objects.with_actions_for(head).get(pk=heads_swap.pk)
    assert not annotated.can_decide
    with pytest.raises(RotaError):
        duty.approve_swap(heads_swap, head, NOW)
    heads_swap.refresh_from_db()
    assert heads_swap.status == SwapRequest.Status.ASKED
    assert set(heads_swap.slot.assignments.values_list("worker", flat=True)) == {head.pk}


def test_a_head_posting_approval_of_their_own_swap_changes_nothing(client, head, heads_swap):
    client.force_login(head)
    client.post(reverse("desks:approve_swap", args=[heads_swap.pk]))
    heads_swap.refresh_from_db()
    assert heads_swap.status == SwapRequest.Status.ASKED


def test_a_cancelled_swap_cannot_be_approved_afterwards(head, worker, colleague, community):
    slot = make_slots(community, dt.date(2026, 11, 30), dt.date(2026, 11, 30))[0]
    assign(slot, worker)
    swap = duty.ask_swap(worker, slot, colleague, NOW)
    duty.cancel_swap(swap, worker, NOW)
    with pytest.raises(RotaError, match="already closed"):
        duty.approve_swap(swap, head, NOW)  # the stale object still says "asked"
    assert set(slot.assignments.values_list("worker", flat=True)) == {worker.pk}
