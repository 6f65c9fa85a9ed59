"""The report's booking tables on fixed data (desks.reports.booking_tables)."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.reports.booking_tables import BookingTables, p90
from desks.reports.monthly import MonthlyReport
from tests.clock import at
from tests.factories import make_booking, make_request, make_resident, make_service_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOVEMBER = Month(2026, 11)


def _served(community, item, worker, resident, day, arrived_minute, served_minute, hour=18):
    arrived = at(day.year, day.month, day.day, hour) + dt.timedelta(minutes=arrived_minute)
    logged = make_request(
        community,
        item,
        worker,
        at(day.year, day.month, day.day, hour, served_minute),
        resident=resident,
    )
    return make_booking(
        community, item, day, hour, arrived_at=arrived, request=logged, resident=resident
    )


@pytest.fixture
def tables(office, community, worker, neighbour):
    item = make_service_item(name="居民医保", bookable=True)
    other = make_service_item(name="生育保险", bookable=True)
    resident = make_resident(community)
    day = dt.date(2026, 11, 10)
    # Served: waits 10, 20, 30 (18:00 window) and 5 (weekend 08:00 window, other item).
    _served(community, item, worker, resident, day, 0, 10)
    _served(community, item, worker, resident, day, 5, 25)
    _served(community, item, worker, resident, day, -10, 30)  # came early: counts from 18:00
    _served(community, other, worker, resident, dt.date(2026, 11, 14), 0, 5, hour=8)
    make_booking(community, item, day, cancelled_at=at(2026, 11, 9))
    make_booking(community, item, day)  # no-show
    make_booking(community, item, dt.date(2026, 10, 20))  # last month: a no-show
    make_booking(neighbour, item, day)  # same office, counted for the office
    report = MonthlyReport(scope_for(office), NOVEMBER, at(2026, 12, 1, 9))
    return BookingTables(report)


def test_it_counts_made_served_cancelled_and_no_shows(tables):
    rows = {row.label: (row.current, row.previous) for row in tables.counts()}
    assert rows["Bookings made"] == (7, 1)
    assert rows["Served"] == (4, 0)
    assert rows["Cancelled"] == (1, 0)
    assert rows["No-shows"] == (2, 1)


def test_it_gives_median_and_p90_waits_per_window_and_item(tables):
    waits = tables.waits()
    by_window = {row.label: row for row in waits["window"]}
    assert by_window["18:00–20:00"].served == 3
    assert by_window["18:00–20:00"].median == 20
    assert by_window["18:00–20:00"].p90 == 30
    assert by_window["08:00–10:00"].median == 5
    by_item = {row.label: row for row in waits["item"]}
    assert by_item["居民医保"].served == 3 and by_item["生育保险"].served == 1


def test_a_second_visit_is_the_same_matter_on_another_day(office, community, worker):
    item = make_service_item()
    twice, once_a_day = make_resident(community), make_resident(community)
    make_request(community, item, worker, at(2026, 11, 3, 19), resident=twice)
    make_request(community, item, worker, at(2026, 11, 17, 19), resident=twice)
    # Two requests on one evening are one visit.
    make_request(community, item, worker, at(2026, 11, 3, 18), resident=once_a_day)
    make_request(community, item, worker, at(2026, 11, 3, 19, 30), resident=once_a_day)
    make_request(community, item, worker, at(2026, 10, 3, 19), resident=once_a_day)
    make_request(community, item, worker, at(2026, 10, 4, 19), resident=once_a_day)
    report = MonthlyReport(scope_for(office), NOVEMBER, at(2026, 12, 1, 9))
    assert BookingTables(report).second_visits() == (1, 1)


def test_p90_is_the_nearest_rank():
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9
    assert p90([5]) == 5
    assert p90(list(range(1, 101))) == 90


def test_the_report_page_shows_the_booking_tables(client, office, tables):
    client.force_login(office)
    page = client.get(reverse("reports"), {"month": "2026-11"})
    assert page.status_code == 200
    assert 'id="table-bookings"' in page.text
    assert "18:00–20:00" in page.text
