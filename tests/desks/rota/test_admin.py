"""The rota's admin: assignments stay within the head's own community."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import Assignment
from desks.rota.duty import make_slots
from tests.clock import at

pytestmark = pytest.mark.django_db


def test_a_head_cannot_staff_another_communitys_slot_in_the_admin(
    client, clock, head, neighbour, outsider
):
    clock.stop_at(at(2026, 11, 24, 15))
    slot = make_slots(neighbour, dt.date(2026, 11, 26), dt.date(2026, 11, 26))[0]
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_assignment_add"),
        {"slot": slot.pk, "worker": outsider.pk, "lent_by": head.pk},
    )
    assert response.status_code == 200  # the form again, with its error
    assert not Assignment.objects.exists()
