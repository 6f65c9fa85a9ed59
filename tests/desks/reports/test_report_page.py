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
    assert better["Repeat visits within 30 days, percent"] == DOWN
    assert better["Requests"] == UP
    assert better["Follow-ups closed"] == UP
    assert better["Requests per held slot hour"] == UP
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
    # The label, then maybe the "?" leading to its definition.
    mark = r'(?: <a class="definition-mark"[^>]*>\?</a>)?'
    row = rf'<tr><th scope="row">{re.escape(label)}{mark}</th>'
    return re.search(rf"{row}(.*?)</tr>", html, re.S).group(1)


def test_overdue_follow_ups_up_are_shown_worse_in_red_with_a_word(office_client):
    body = office_client.get("/en/admin/reports/", {"month": "2026-10"}).text
    overdue = summary_row(body, "Follow-ups overdue at month end")
    assert 'class="num change trend-worse"' in overdue
    assert "+1" in overdue and "▲" in overdue and "worse" in overdue
    requests = summary_row(body, "Requests")
    assert 'class="num change trend-better"' in requests and "better" in requests
    planned = summary_row(body, "Slots planned")
    assert "trend-unchanged" in planned and "better" not in planned and "worse" not in planned


def test_every_chart_has_a_name_a_legend_and_its_numbers(office_client):
    body = office_client.get("/en/admin/reports/", {"month": "2026-10"}).text
    for key in ("community", "category", "daily"):
        figure = re.search(
            rf'<figure class="chart-figure[^"]*" id="chart-{key}">(.*?)</figure>', body, re.S
        )
        assert figure, key
        figure = figure.group(1)
        assert f'role="img" aria-labelledby="chart-{key}-name"' in figure
        name = re.search(rf'<title id="chart-{key}-name">(.*?)</title>', figure, re.S).group(1)
        assert "2026-10" in name, key
        assert 'class="chart-legend"' in figure and "2026-10 (this month)" in figure
        assert 'id="table-' in body and (f'href="#table-{key}"' in figure or key == "daily")
    for key in ("community", "category"):
        assert f'<section class="report-table" id="table-{key}">' in body
        assert "2026-09 (last month)" in body
    calendar = re.search(
        r'<table class="chart-data calendar" id="table-daily">(.*?)</table>', body, re.S
    )
    assert '<span class="calendar-day">10/12</span> 1<' in calendar.group(1)
    assert calendar.group(1).count('<span class="calendar-day">') == 31


def test_the_chart_labels_are_drawn_at_the_legible_size(office_client):
    body = office_client.get("/en/admin/reports/", {"month": "2026-10"}).text
    sizes = re.findall(r'<svg [^>]*class="chart[^"]*" font-size="(\d+)"', body)
    assert len(sizes) == 3 and all(int(size) >= 15 for size in sizes)
    assert 'font-size="10"' not in body


def test_the_title_names_the_street_office_community_and_month(client, head, october):
    client.force_login(head)
    body = client.get("/en/admin/reports/", {"month": "2026-10"}).text
    assert re.search(
        r'<h1 class="report-title">Monthly report · 和平街道 · 和平社区 · 2026-10', body
    )
    assert "<title>Monthly report · 和平街道 · 和平社区 · 2026-10 |" in body


def test_a_print_button_and_a_printed_at_line_without_inline_script(office_client, clock):
    clock.stop_at(at(2026, 11, 3, 9, 30))
    response = office_client.get("/en/admin/reports/", {"month": "2026-10"})
    body = response.text
    assert '<button type="button" class="button" id="print-report" hidden>Print</button>' in body
    assert re.search(r'<script src="[^"]*js/report-print\.js" defer></script>', body)
    assert '<p class="report-printed-at">Printed at 2026-11-03 09:30</p>' in body
    assert "onclick" not in body
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_a_community_report_costs_no_more_queries_than_the_office_one(
    client, office, october, django_assert_num_queries
):
    client.force_login(office)
    client.get("/en/admin/reports/", {"month": "2026-10"})  # computes both months, keeps them
    with CaptureQueriesContext(connection) as whole_office:
        client.get("/en/admin/reports/", {"month": "2026-10"})
    # The office's report kept its communities' figures of both months: the community's
    # reads them back, as the office's own next report does.
    with django_assert_num_queries(len(whole_office.captured_queries)):
        client.get("/en/admin/reports/", {"month": "2026-10", "community": october.slug})
