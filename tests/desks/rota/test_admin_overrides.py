"""A head putting someone on a slot by hand in the admin meets the same rules as generation
and swaps (issue 18), and may override the softer ones with a reason that is recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from desks.models import Absence, Assignment, CompLeave, DutySlot, SlotKind
from desks.rota.duty import assign, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = dt.date(2026, 11, 30)
ADD = "admin:desks_assignment_add"


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def evening(community):
    return make_slots(community, MONDAY, MONDAY)[0]


@pytest.fixture
def as_head(client, head):
    client.force_login(head)
    return client


def add(client, slot, worker, **fields):
    return client.post(reverse(ADD), {"slot": slot.pk, "worker": worker.pk, **fields})


def on_leave(worker, kind=Absence.Kind.LEAVE):
    return Absence.objects.create(
        worker=worker, first_day=MONDAY, last_day=MONDAY, kind=kind, reason="病假"
    )


@pytest.mark.parametrize("kind", Absence.Kind.values)
def test_a_worker_on_leave_or_unavailable_is_refused_by_hand(as_head, evening, worker, kind):
    on_leave(worker, kind)
    response = add(as_head, evening, worker)
    assert response.status_code == 200  # the form again, with its errors
    assert f"{worker} is {'on leave' if kind == 'leave' else 'unavailable'} on 2026-11-30." in (
        response.text
    )
    assert "give the reason for overriding the rules" in response.text
    assert "病假" not in response.text  # the absence's reason stays in its own record
    assert not Assignment.objects.exists()


def test_approved_comp_leave_is_refused_by_hand(as_head, evening, worker):
    CompLeave.objects.create(
        worker=worker,
        date=MONDAY,
        hours=Decimal(2),
        created_at=NOW,
        status=CompLeave.Status.APPROVED,
    )
    response = add(as_head, evening, worker)
    assert "has approved comp leave on 2026-11-30" in response.text
    assert not Assignment.objects.exists()


def test_a_second_slot_the_same_day_is_refused_by_hand(as_head, community, evening, worker):
    afternoon = DutySlot.objects.create(
        community=community,
        date=MONDAY,
        starts_at=at(2026, 11, 30, 14),
        ends_at=at(2026, 11, 30, 16),
        kind=SlotKind.EVENING,
    )
    assign(afternoon, worker)
    response = add(as_head, evening, worker)
    assert "already has a slot that day" in response.text
    assert not Assignment.objects.filter(slot=evening).exists()
    assert add(as_head, evening, worker, override_reason="活动需要").status_code == 302
    assert Assignment.objects.get(slot=evening).override_reason == "活动需要"


def test_the_head_overrides_with_a_reason_and_the_admin_shows_it(as_head, head, evening, worker):
    on_leave(worker)
    response = add(as_head, evening, worker, override_reason="本人销假")
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.worker, assignment.overridden_by) == (worker, head)
    assert assignment.override_reason == "本人销假"
    assert assignment.overridden_at == NOW
    assert assignment.overridden_rules == [f"{worker} is on leave on 2026-11-30."]

    page = as_head.get(reverse("admin:desks_assignment_change", args=[assignment.pk])).text
    assert "本人销假" in page and f"{worker} is on leave on 2026-11-30." in page
    listing = as_head.get(reverse("admin:desks_assignment_changelist")).text
    assert f"{head.display_name}: 本人销假" in listing


def test_a_blank_reason_is_no_reason(as_head, evening, worker):
    on_leave(worker)
    response = add(as_head, evening, worker, override_reason="   ")
    assert "give the reason for overriding the rules" in response.text
    assert not Assignment.objects.exists()


def test_a_reason_does_not_override_a_hard_rule(as_head, evening, worker, colleague, head):
    evening.workers_needed = 1
    evening.save(update_fields=["workers_needed"])
    assign(evening, colleague)
    response = add(as_head, evening, worker, override_reason="急需")
    assert "already has the 1 workers it needs" in response.text
    assert "give the reason" not in response.text
    assert list(Assignment.objects.values_list("worker", flat=True)) == [colleague.pk]


def test_a_worker_of_another_community_is_refused_even_with_a_reason(as_head, neighbour, outsider):
    their_slot = make_slots(neighbour, MONDAY, MONDAY)[0]
    response = add(as_head, their_slot, outsider, override_reason="急需")
    assert response.status_code == 200
    assert "not in a community you answer for" in response.text
    assert not Assignment.objects.exists()


def test_an_over_long_reason_is_refused_and_nothing_is_stored(as_head, evening, worker):
    on_leave(worker)
    response = add(as_head, evening, worker, override_reason="长" * 301)
    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters" in response.text
    assert not Assignment.objects.exists()


def test_a_worker_cannot_use_the_admin_to_override(client, evening, worker, colleague):
    on_leave(worker)
    client.force_login(colleague)
    response = add(client, evening, worker, override_reason="我替他")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Assignment.objects.exists()


def test_another_communitys_head_cannot_override_on_this_slot(client, neighbour, evening, worker):
    on_leave(worker)
    other_head = make_user("head", community=neighbour)
    client.force_login(other_head)
    response = add(client, evening, worker, override_reason="顶班")
    assert "not in a community you answer for" in response.text
    assert not Assignment.objects.exists()


def test_the_slots_page_shows_the_override_beside_the_worker(as_head, head, evening, worker):
    on_leave(worker)
    assign(evening, worker, override_reason="本人销假", by=head)
    page = as_head.get(reverse("admin:desks_dutyslot_change", args=[evening.pk])).text
    assert "本人销假" in page and head.display_name in page


def test_leave_recorded_for_a_worker_already_on_the_rota_warns_the_head(as_head, evening, worker):
    assign(evening, worker)
    response = as_head.post(
        reverse("admin:desks_absence_add"),
        {
            "worker": worker.pk,
            "kind": Absence.Kind.LEAVE,
            "first_day": "2026-11-30",
            "last_day": "2026-12-01",
            "reason": "病假",
        },
        follow=True,
    )
    assert Absence.objects.filter(worker=worker).exists()
    said = [str(message) for message in response.context["messages"]]
    assert any(
        f"{worker.display_name} is on the rota on {evening}: find a stand-in" in m for m in said
    )


def test_leave_on_a_day_off_says_nothing_more(as_head, evening, worker, colleague):
    assign(evening, colleague)
    response = as_head.post(
        reverse("admin:desks_absence_add"),
        {
            "worker": worker.pk,
            "kind": Absence.Kind.LEAVE,
            "first_day": "2026-11-30",
            "last_day": "2026-11-30",
            "reason": "事假",
        },
        follow=True,
    )
    assert not any("is on the rota" in str(m) for m in response.context["messages"])
