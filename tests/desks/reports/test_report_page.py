"""The report page as printed and read: which way is better, charts with a legend, an
accessible name and a table behind them, and what only print shows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import FollowUp
from desks.reports.monthly import DOWN, UP, MonthlyReport, Row
from tests.clock import at
from tests.factories import make_request, make_service_item

pytestmark = pytest.mark.django_db


def test_overdue_follow_ups_going_up_is_worse():
    assert Row("Follow-ups overdue at month end", 8, 0, better=DOWN).trend == "worse"
    assert Row("Follow-ups overdue at month end", 2, 5, better=DOWN).trend == "better"


def test_more_requests_is_better_and_fewer_is_worse():
    assert Row("Requests", 12, 10, better=UP).trend == "better"
    assert Row("Requests", 9, 10, better=UP).trend == "worse"


def test_a_figure_without_a_good_direction_only_changes():
    assert Row("Slots planned", 12, 10).trend == "changed"
    assert Row("Slots planned", 8, 10).trend == "changed"


def test_no_change_is_neither_better_nor_worse():
    assert Row("Follow-ups overdue at month end", 3, 3, better=DOWN).trend == "unchanged"
    assert Row("Slots planned", 0, 0).trend == "unchanged"


def test_each_summary_figure_knows_which_way_is_better(english, worker):
    summary = MonthlyReport(scope_for(worker), Month(2026, 10)).summary()
    better = {row.label: row.better for row in summary.rows}
    assert better["Follow-ups overdue at month end"] == DOWN
    assert better["Median days to close a follow-up"] == DOWN
    assert better["Repeat visits within 30 days (%)"] == DOWN
    assert better["Requests"] == UP
    assert better["Follow-ups closed"] == UP
    assert better["Slots planned"] is None


@pytest.fixture
def october(community, worker):
    """October 2026 at 和平社区: two requests (one in September), one follow-up overdue."""
    item = make_service_item(name="居民医保")
    make_request(community, item, worker, at(2026, 9, 10, 19))
    make_request(community, item, worker, at(2026, 10, 10, 19))
    overdue = make_request(community, item, worker, at(2026, 10, 12, 19))
    FollowUp.objects.create(
        request=overdue, owner=worker, due_on=dt.date(2026, 10, 20), created_at=at(2026, 10, 12, 19)
    )
    return community


@pytest.fixture
def office_client(client, office, october):
    client.force_login(office)
    return client


def summary_row(html: str, label: str) -> str:
    return re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, re.S).group(1)


def test_overdue_follow_ups_up_are_shown_worse_in_red_with_a_word(office_client):
    body = office_client.get("/en/admin/reports/", {"month": "2026-10"}).text
    overdue = summary_row(body, "Follow-ups overdue at month end")
    assert 'class="num change trend-worse"' in overdue
    assert "+1" in overdue and "▲" in overdue and "worse" in overdue
    requests = summary_row(body, "Requests")
    assert 'class="num change trend-better"' in requests and "better" in requests
    planned = summary_row(body, "Slots planned")
    assert "trend-unchanged" in planned and "better" not in planned and "worse" not in planned


def test_a_community_report_costs_no_more_queries_than_the_office_one(
    client, office, october, django_assert_num_queries
):
    client.force_login(office)
    with CaptureQueriesContext(connection) as whole_office:
        client.get("/en/admin/reports/", {"month": "2026-10"})
    with django_assert_num_queries(len(whole_office.captured_queries)):
        client.get("/en/admin/reports/", {"month": "2026-10", "community": october.slug})
