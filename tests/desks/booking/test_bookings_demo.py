"""The demo shows bookings on the current (or next open) evening and the one after."""

import pytest
from django.core.management import call_command

from desks.booking import bookings
from desks.models import Booking, Community, ServiceItem
from tests.clock import at

pytestmark = pytest.mark.django_db


def test_the_demo_books_two_open_days_and_a_second_run_adds_none(settings, clock):
    settings.DEBUG = True
    clock.stop_at(at(2026, 11, 24, 17))  # a Tuesday: open tonight
    call_command("seed_demo")
    heping = Community.objects.get(slug="heping")
    days = sorted({b.day for b in Booking.objects.filter(community=heping)})
    assert [day.isoformat() for day in days] == ["2026-11-24", "2026-11-25"]
    assert ServiceItem.objects.bookable().count() == 2
    assert bookings.takes_bookings(heping)
    count = Booking.objects.count()
    call_command("seed_demo")
    assert Booking.objects.count() == count
