"""The queue's waiting times in the monthly report, on a known month."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import QueueTicket, Role, TicketStatus
from desks.reports.monthly import MonthlyReport
from desks.reports.queue_tables import percentile
from desks.rota.duty import make_slots
from tests.clock import at
from tests.factories import make_community, make_service_item, make_street_office, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def office():
    """October 2026 at 和平社区: waits of 2, 4, 6, 8 and 30 minutes on a Tuesday evening,
    one ticket never called, and in September two waits of 10 minutes."""
    office = make_street_office(name="东湖街道")
    heping = make_community(office, name="和平社区", slug="heping")
    yibao = make_service_item(name="居民医保")
    xueya = make_service_item(name="测血压")
    make_slots(heping, dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    number = iter(range(1, 100))

    def ticket(taken_at, waited_minutes, item=yibao):
        called_at = taken_at + dt.timedelta(minutes=waited_minutes) if waited_minutes else None
        QueueTicket.objects.create(
            community=heping,
            day=taken_at.date(),
            number=next(number),
            service_item=item,
            token=f"t{taken_at:%m%d%H%M}{waited_minutes}{item.pk}",
            status=TicketStatus.CALLED if called_at else TicketStatus.WAITING,
            taken_at=taken_at,
            called_at=called_at,
        )

    for minutes in (2, 4, 6, 8):
        ticket(at(2026, 10, 13, 18, minutes), minutes)
    ticket(at(2026, 10, 13, 18, 30), 30, xueya)
    ticket(at(2026, 10, 13, 19, 40), None, xueya)
    ticket(at(2026, 10, 13, 21, 0), 5)  # after the evening's slot
    for day in (8, 15):
        ticket(at(2026, 9, day, 18, 10), 10)
    return office


def report(office):
    staff = make_user(Role.OFFICE, street_office=office, username="staff")
    return MonthlyReport(scope_for(staff), Month(2026, 10))


def test_percentile_interpolates_between_the_nearest_waits():
    assert percentile([2, 4, 6, 8, 30], 0.9) == pytest.approx(21.2)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.9) is None


def test_waiting_time_per_window_and_item_this_month_against_last(office):
    by_window, by_item = report(office).waiting_tables()

    evening = next(row for row in by_window.rows if row.label == "18:00–20:00")
    assert (evening.current.called, evening.current.not_called) == (5, 1)
    assert (evening.current.median, evening.current.p90) == (6, 21.2)
    assert (evening.previous.called, evening.previous.median, evening.previous.p90) == (2, 10, 10)
    outside = next(row for row in by_window.rows if row.label == "outside duty slots")
    assert (outside.current.called, outside.current.median) == (1, 5)

    rows = {row.label: row for row in by_item.rows}
    assert (rows["居民医保"].current.called, rows["居民医保"].current.median) == (5, 5)
    assert (rows["测血压"].current.median, rows["测血压"].current.not_called) == (30, 1)
    assert rows["测血压"].previous.median is None


def test_the_report_page_shows_them(client, office):
    client.force_login(make_user(Role.OFFICE, street_office=office, username="office"))
    text = client.get(reverse("reports"), {"month": "2026-10"}).text
    assert 'id="table-waits-window"' in text and 'id="table-waits-item"' in text
    assert "21.2" in text


def test_another_street_office_sees_none_of_it(client, office):
    other = make_user(Role.OFFICE, street_office=make_street_office(), username="other")
    client.force_login(other)
    text = client.get(reverse("reports"), {"month": "2026-10"}).text
    assert "21.2" not in text


def test_the_csv_has_them_too(client, office):
    client.force_login(make_user(Role.OFFICE, street_office=office, username="office"))
    csv = client.get("/en/admin/reports/export.csv", {"month": "2026-10"}).content.decode()
    assert "Waiting time by opening window" in csv and "Waiting time by service item" in csv
    assert "18:00–20:00,6.0,10.0,21.2,10.0,5,2,1,0" in csv
