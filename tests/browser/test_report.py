"""The monthly report in Chromium: legible, accessible charts on screen, and an A4 print
for the monthly meeting with the charts and without the admin around it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from desks.models import FollowUp, Role
from tests.browser.conftest import serious_accessibility_problems
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# A4 in PDF points (1/72 in): 210 × 297 mm.
A4_POINTS = (595, 842)


@pytest.fixture
def office(clock):
    """和平街道's staff, early November 2026: October is the report's default month."""
    clock.run_from(at(2026, 11, 3, 10))
    street_office = make_street_office(name="和平街道")
    items = [make_service_item(name=name) for name in ("居民医保", "测血压", "矛盾调解")]
    for n, name in enumerate(("和平社区", "幸福里社区", "光明社区")):
        community = make_community(street_office, name=name)
        worker = make_user(community=community)
        for day in range(1, 29, 1 + n):
            make_request(community, items[day % 3], worker, at(2026, 10, day, 19))
            make_request(community, items[day % 2], worker, at(2026, 9, day, 19))
        late = make_request(community, items[0], worker, at(2026, 10, 5, 19))
        FollowUp.objects.create(
            request=late, owner=worker, due_on=dt.date(2026, 10, 9), created_at=at(2026, 10, 5, 19)
        )
    return make_user(Role.OFFICE, street_office=street_office, username="office")


def chart_text_sizes(page) -> list[float]:
    """Each chart text's size on screen: its font size times the SVG's scale."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')].map(text =>
            parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a)"""
    )


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's MediaBox (Chromium writes one per page), in points."""
    return [
        (float(width), float(height))
        for width, height in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    ]


@pytest.fixture
def report(live_server, browser, log_in, office):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    # Script errors and CSP refusals, and every failed load (the admin's favicon included).
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.problems = problems
    log_in(page, "office", next="/admin/reports/")
    yield page
    context.close()


def test_the_charts_are_legible_named_and_pass_axe(report):
    expect(report.locator("h1.report-title")).to_contain_text("和平街道 · 2026-10")
    charts = report.get_by_role("img")
    expect(charts).to_have_count(3)
    for key in ("community", "category", "daily"):
        chart = report.locator(f"#chart-{key} svg")
        name = report.locator(f"#chart-{key}-name").text_content()
        expect(chart).to_have_accessible_name(name)
        assert "2026-10" in name
        expect(report.locator(f"#chart-{key} .chart-legend")).to_be_visible()
    sizes = chart_text_sizes(report)
    assert len(sizes) > 10 and min(sizes) >= 12
    expect(report.locator("#table-daily")).to_be_visible()
    assert serious_accessibility_problems(report) == []
    report.emulate_media(color_scheme="dark")  # the admin follows the system's theme
    assert serious_accessibility_problems(report) == []
    chart_text = report.locator("svg.chart text").first
    assert chart_text.evaluate("e => getComputedStyle(e).fill") == "rgb(238, 238, 238)"
    assert report.problems == []


def test_the_print_button_prints_under_the_sites_csp(report):
    report.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1 } }")
    report.get_by_role("button", name="打印").click()
    assert report.evaluate("window.printed") == 1
    assert report.problems == []


def test_the_report_prints_on_a4_with_its_charts_and_without_the_admin(report):
    pdf = report.pdf(format="A4", print_background=False)
    sizes = page_sizes(pdf)
    assert 2 <= pages_in(pdf) <= 12 and len(sizes) == pages_in(pdf)
    assert all(abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2 for w, h in sizes)

    report.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 px an inch
    report.emulate_media(media="print")
    for hidden in ("#header", "#nav-sidebar", ".breadcrumbs", ".report-filters", "#print-report"):
        expect(report.locator(hidden)).to_be_hidden()
    expect(report.locator(".report-printed-at")).to_have_text(re.compile(r"2026-11-03 \d\d:\d\d"))
    for chart in report.locator("svg.chart").all():
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] >= 600
    assert min(chart_text_sizes(report)) >= 12
    assert report.locator("#chart-community").evaluate("e => getComputedStyle(e).breakInside") == (
        "avoid"
    )
    assert report.locator("#table-summary tr").first.evaluate(
        "e => getComputedStyle(e).breakInside"
    ) == ("avoid")
