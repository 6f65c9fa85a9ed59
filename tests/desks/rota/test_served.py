"""Served duty: checked in at the desk, or confirmed by the head (desks.models.rota.SERVED)."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import Assignment, Role
from desks.rota.duty import assign, make_slots
from desks.rota.planning import generate_month
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def community():
    return make_community(workers_per_slot=4)


def four_assignments(community, head):
    """On one past slot: nobody checked in, checked in, confirmed, and both."""
    slot = make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 23))[0]
    assignments = [assign(slot, make_user(community=community)) for _ in range(4)]
    none, checked_in, confirmed, both = assignments
    for assignment in (checked_in, both):
        assignment.checked_in_at = assignment.starts_at
        assignment.save(update_fields=["checked_in_at"])
    for assignment in (confirmed, both):
        assignment.confirmed_by = head
        assignment.save(update_fields=["confirmed_by"])
    return none, checked_in, confirmed, both


def test_the_queryset_and_the_property_agree_on_what_is_served(community):
    head = make_user(Role.HEAD, community=community)
    none, checked_in, confirmed, both = four_assignments(community, head)
    served = set(Assignment.objects.served())
    assert served == {checked_in, confirmed, both}
    assert set(Assignment.objects.unserved()) == {none}
    assert {a for a in Assignment.objects.all() if a.is_served} == served


def test_the_heads_list_of_duty_to_confirm_shows_only_unserved_duty(client, community, clock):
    head = make_user(Role.HEAD, community=community)
    none, *_served = four_assignments(community, head)
    client.force_login(head)
    clock.stop_at(NOW)
    response = client.get(reverse("desks:rota"))
    confirmable = response.context["unconfirmed"]
    assert list(confirmable) == [none]


def test_regenerating_a_draft_keeps_a_worker_who_checked_in_early(community):
    worker = make_user(community=community)
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    early = assign(slot, worker)
    early.checked_in_at = at(slot.date.year, slot.date.month, slot.date.day, 17, 40)
    early.save(update_fields=["checked_in_at"])
    other = assign(slot, make_user(community=community))

    generate_month(community, slot.date, at(slot.date.year, slot.date.month, slot.date.day, 17, 45))

    assert Assignment.objects.filter(pk=early.pk).exists()  # served: never replaced
    # The draft place may be replaced, but a stable draft moves nobody without a reason.
    assert Assignment.objects.filter(pk=other.pk).exists()
    assert Assignment.objects.filter(slot=slot).count() == 2
