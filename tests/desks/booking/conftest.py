"""Bookings' cast: a bookable item, and a community whose windows are staffed and published."""

import datetime as dt

import pytest

from desks.models import Assignment, BookingCapacity, RotaMonth
from desks.rota.duty import make_slots
from tests.clock import TUESDAY_MORNING, at
from tests.factories import make_service_item

# Tuesday 24 November 2026, 10:00: the evening window 18:00–20:00 has not begun.
NOW = TUESDAY_MORNING
TONIGHT = at(2026, 11, 24, 18)
TOMORROW_EVENING = at(2026, 11, 25, 18)


def staff(community, first, last, workers, published_by):
    """Slots from `first` to `last`, each with all its workers, in published months."""
    slots = make_slots(community, first, last)
    for slot in slots:
        for worker in workers[: slot.workers_needed]:
            Assignment.objects.get_or_create(
                slot=slot,
                worker=worker,
                defaults={"starts_at": slot.starts_at, "ends_at": slot.ends_at},
            )
    month = first.replace(day=1)
    while month <= last:
        RotaMonth.objects.update_or_create(
            community=community,
            month=month,
            defaults={"published_at": NOW, "published_by": published_by},
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return slots


@pytest.fixture
def now(clock):
    return clock.stop_at(NOW)


@pytest.fixture
def item(db):
    return make_service_item(name="居民医保参保登记", bookable=True)


@pytest.fixture
def staffed(community, worker, colleague, head):
    """The community's next two weeks staffed and published."""
    return staff(community, dt.date(2026, 11, 24), dt.date(2026, 12, 7), [worker, colleague], head)


@pytest.fixture
def small_capacity(community):
    return BookingCapacity.objects.create(community=community, per_window=2)
