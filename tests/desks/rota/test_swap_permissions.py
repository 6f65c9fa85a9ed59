"""Who may answer a swap: the colleague accepts or declines, the requester cancels, the head of
the slot's community approves or refuses (SwapRequest.may_* and their annotations)."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import Role, SwapRequest, User
from desks.rota import duty
from desks.rota.duty import RotaError, assign, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def swap():
    community = make_community()
    requester = make_user(community=community, username="requester")
    colleague = make_user(community=community, username="colleague")
    make_user(Role.HEAD, community=community, username="head")
    make_user(community=community, username="bystander")
    make_user(Role.HEAD, community=make_community(), username="other_head")
    slot = make_slots(community, DAY, DAY)[0]
    assign(slot, requester)
    return duty.ask_swap(requester, slot, colleague, NOW)


def people(swap):
    """Everyone in the cast, by username."""
    return {user.username: user for user in User.objects.all()}


EXPECTED = {
    # status: (who may answer, who may cancel, who may decide)
    SwapRequest.Status.ASKED: ({"colleague"}, {"requester"}, {"head"}),
    SwapRequest.Status.ACCEPTED: (set(), {"requester"}, {"head"}),
    SwapRequest.Status.DECLINED: (set(), set(), set()),
    SwapRequest.Status.APPROVED: (set(), set(), set()),
}


@pytest.mark.parametrize("status", EXPECTED)
def test_the_methods_and_the_annotations_agree_on_who_may_do_what(swap, status):
    swap.status = status
    swap.save(update_fields=["status"])
    answer, cancel, decide = EXPECTED[status]
    for name, user in people(swap).items():
        annotated = SwapRequest.objects.with_actions_for(user).get(pk=swap.pk)
        assert (swap.may_answer(user), annotated.can_answer) == (name in answer,) * 2, name
        assert (swap.may_cancel(user), annotated.can_cancel) == (name in cancel,) * 2, name
        assert (swap.may_decide(user), annotated.can_decide) == (name in decide,) * 2, name


def test_a_worker_cannot_approve_a_swap(client, swap):
    client.force_login(people(swap)["bystander"])
    response = client.post(reverse("desks:approve_swap", args=[swap.pk]))
    assert response.status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED


def test_the_head_of_another_community_cannot_approve_or_refuse_a_swap(client, swap):
    client.force_login(people(swap)["other_head"])
    for name in ("desks:approve_swap", "desks:refuse_swap"):
        assert client.post(reverse(name, args=[swap.pk])).status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED
    with pytest.raises(RotaError, match="Only the head of this community"):
        duty.approve_swap(swap, people(swap)["other_head"], NOW)


def test_a_colleague_who_was_not_asked_cannot_accept(client, swap):
    client.force_login(people(swap)["bystander"])
    assert client.post(reverse("desks:accept_swap", args=[swap.pk])).status_code == 404
    with pytest.raises(RotaError, match="not asked of you"):
        duty.accept_swap(swap, swap.requester, NOW)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED


def test_the_colleague_cannot_cancel_and_the_requester_cannot_decline(swap):
    with pytest.raises(RotaError, match="Only the worker who asked"):
        duty.cancel_swap(swap, swap.colleague, NOW)
    with pytest.raises(RotaError, match="not asked of you"):
        duty.decline_swap(swap, swap.requester, NOW)


def test_each_person_sees_only_the_buttons_they_may_use(client, swap):
    accept = reverse("desks:accept_swap", args=[swap.pk])
    cancel = reverse("desks:cancel_swap", args=[swap.pk])
    approve = reverse("desks:approve_swap", args=[swap.pk])

    client.force_login(swap.colleague)
    page = client.get(reverse("desks:me")).text
    assert accept in page and cancel not in page

    client.force_login(swap.requester)
    page = client.get(reverse("desks:me")).text
    assert cancel in page and accept not in page

    client.force_login(people(swap)["head"])
    assert approve in client.get(reverse("desks:rota")).text

    duty.decline_swap(swap, swap.colleague, NOW)
    client.force_login(swap.requester)
    assert cancel not in client.get(reverse("desks:me")).text
