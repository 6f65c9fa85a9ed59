"""Slot shortfall: how many more workers a slot needs (DutySlot.shortfall), the same everywhere."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.models import DutySlot, Role, RotaMonth
from desks.rota.duty import assign, make_slots
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def half_staffed():
    """A slot that needs 2 workers and has 1."""
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    slot = make_slots(community, DAY, DAY)[0]
    assert slot.workers_needed == 2
    assign(slot, make_user(community=community))
    return slot, head


def test_a_slot_needing_two_with_one_assigned_is_one_short(half_staffed):
    slot, _head = half_staffed
    assert DutySlot.objects.get(pk=slot.pk).shortfall == 1
    assert DutySlot.objects.with_staffing().get(pk=slot.pk).shortfall == 1


def test_a_full_slot_is_not_short(half_staffed):
    slot, _head = half_staffed
    assign(slot, make_user(community=slot.community))
    assert DutySlot.objects.with_staffing().get(pk=slot.pk).shortfall == 0


def test_the_communitys_rota_page_shows_one_missing(client, half_staffed):
    _slot, head = half_staffed
    client.force_login(head)
    page = client.get(reverse("desks:rota")).text
    assert "1 missing" in page and "2 missing" not in page


def test_the_admin_rota_table_shows_one_missing_not_the_number_needed(admin_client, half_staffed):
    slot, _head = half_staffed
    rota_month = RotaMonth.objects.create(community=slot.community, month=dt.date(2026, 11, 1))
    page = admin_client.get(reverse("admin:desks_rotamonth_change", args=[rota_month.pk])).text
    assert "1 missing" in page and "2 missing" not in page and "needed)" not in page


def test_the_admin_rota_table_costs_the_same_queries_however_many_slots(
    admin_client, half_staffed, django_assert_num_queries
):
    slot, _head = half_staffed
    rota_month = RotaMonth.objects.create(community=slot.community, month=dt.date(2026, 11, 1))
    url = reverse("admin:desks_rotamonth_change", args=[rota_month.pk])
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    community = slot.community
    for other in make_slots(community, dt.date(2026, 11, 1), dt.date(2026, 11, 29)):
        assign(other, make_user(community=community))
    with django_assert_num_queries(len(few.captured_queries)):
        page = admin_client.get(url).text
    assert page.count("1 missing") > 20
