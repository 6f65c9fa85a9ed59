"""Who is a duty worker, who is planned and swaps, who heads a community: one home each."""

import datetime as dt

import pytest

from desks.desk.forms import LogRequestForm
from desks.desk.request_log import default_follow_up_owner
from desks.models import Role, User
from desks.rota.duty import RotaError, ask_swap, assign, check_assignable, make_slots
from desks.rota.forms import SwapForm
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_service_item, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture
def staff():
    """A community's head, two workers and a worker who has left; and a worker elsewhere."""
    community = make_community()
    return {
        "community": community,
        "head": make_user(Role.HEAD, community=community),
        "worker": make_user(community=community),
        "colleague": make_user(community=community),
        "left": make_user(community=community, is_active=False),
        "elsewhere": make_user(community=make_community()),
    }


def test_duty_workers_are_the_active_workers_and_heads_of_the_community(staff):
    found = set(User.objects.duty_workers(staff["community"]))
    assert found == {staff["head"], staff["worker"], staff["colleague"]}
    assert all(user.is_duty_worker for user in found)
    assert not staff["left"].is_duty_worker


def test_planned_workers_leave_out_the_head(staff):
    found = set(User.objects.planned_workers(staff["community"]))
    assert found == {staff["worker"], staff["colleague"]}
    assert [u.is_planned_worker for u in (staff["head"], staff["worker"], staff["left"])] == [
        False,
        True,
        False,
    ]


def test_the_queryset_and_the_properties_give_the_same_answer_for_everyone(staff):
    everyone = User.objects.all()
    duty = set(User.objects.duty_workers().values_list("pk", flat=True))
    planned = set(User.objects.planned_workers().values_list("pk", flat=True))
    assert {u.pk for u in everyone if u.is_duty_worker} == duty
    assert {u.pk for u in everyone if u.is_planned_worker} == planned


def test_a_head_heads_only_their_own_community(staff):
    head = staff["head"]
    assert head.is_head_of(staff["community"].pk)
    assert not head.is_head_of(staff["elsewhere"].community_id)
    assert not staff["worker"].is_head_of(staff["community"].pk)
    assert list(User.objects.heads_of(staff["community"])) == [head]


def test_a_head_who_has_left_heads_nothing(staff):
    head = staff["head"]
    head.is_active = False
    head.save(update_fields=["is_active"])
    assert not head.is_head_of(staff["community"].pk)
    assert not User.objects.heads_of(staff["community"]).exists()


def test_a_head_can_be_put_on_a_slot_by_hand_but_not_someone_who_left(staff):
    slot = make_slots(staff["community"], MONDAY, MONDAY)[0]
    check_assignable(slot, staff["head"])
    with pytest.raises(RotaError, match="not an active duty worker"):
        check_assignable(slot, staff["left"])


def test_a_head_of_another_community_cannot_lend_a_worker(staff):
    slot = make_slots(staff["community"], MONDAY, MONDAY)[0]
    other_head = make_user(Role.HEAD, community=make_community())
    with pytest.raises(RotaError, match="only their head can lend them"):
        check_assignable(slot, staff["elsewhere"], lent_by=other_head)
    with pytest.raises(RotaError, match="only their head can lend them"):
        check_assignable(slot, staff["elsewhere"], lent_by=staff["head"])


# The three versions disagreed on whether the head can be asked to take a swap: the
# form offered workers only, ask_swap accepted anyone active in the community. Kept:
# workers only. The head decides swaps; taking one would mean approving their own.


def test_the_swap_form_offers_the_planned_workers_but_not_the_head(staff):
    form = SwapForm(staff["worker"], NOW)
    assert set(form.fields["colleague"].queryset) == {staff["colleague"]}


def test_asking_the_head_to_take_a_swap_is_refused_as_the_form_does(staff):
    slot = make_slots(staff["community"], MONDAY, MONDAY)[0]
    assign(slot, staff["worker"])
    with pytest.raises(RotaError, match="Swaps are between duty workers"):
        ask_swap(staff["worker"], slot, staff["head"], NOW)
    assert ask_swap(staff["worker"], slot, staff["colleague"], NOW).colleague == staff["colleague"]


def test_the_desk_offers_the_head_as_a_follow_up_owner_as_the_default_owner_allows(staff):
    form = LogRequestForm(community_id=staff["community"].pk)
    assert set(form.fields["follow_up_owner"].queryset) == set(
        User.objects.duty_workers(staff["community"])
    )
    item = make_service_item()
    staff["head"].trained_categories.add(item.category)
    assert default_follow_up_owner(item, staff["community"].pk, staff["worker"]) == staff["head"]
