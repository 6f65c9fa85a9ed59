"""The exports are the page as it stands: its month, scope and language, the same rounding."""

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from desks.models import CompLeave, Role, ServiceCategory
from desks.rota.duty import make_slots
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    """东湖街道: 和平社区 busy in September and October, 光明社区 in October only; comp leave
    of 3.1 h against 1.5 h (a change of 1.6000000000000003 in floats)."""
    office = make_street_office(name="东湖街道", slug="donghu")
    heping = make_community(office, name="和平社区", slug="heping")
    guangming = make_community(office, name="光明社区", slug="guangming")
    w1 = make_user(community=heping, username="w1", last_name="王", first_name="丽")
    w2 = make_user(community=guangming, username="w2")
    item = make_service_item(ServiceCategory.objects.create(name="社会保障"), name="居民医保")
    for day in range(1, 4):
        make_request(heping, item, w1, at(2026, 9, 14 + day, 19))
    for day in range(1, 8):
        make_request(heping, item, w1, at(2026, 10, 12 + day, 19), outcome="done")
    make_request(guangming, item, w2, at(2026, 10, 20, 19))
    make_slots(heping, dt.date(2026, 10, 12), dt.date(2026, 10, 18))
    for date, hours in ((dt.date(2026, 10, 22), 3.1), (dt.date(2026, 9, 22), 1.5)):
        CompLeave.objects.create(
            worker=w1,
            date=date,
            hours=hours,
            status=CompLeave.Status.APPROVED,
            created_at=at(2026, 9, 1, 9),
        )
    return office


@pytest.fixture
def office_client(client, office):
    client.force_login(make_user(Role.OFFICE, street_office=office, username="office"))
    return client


def report_form(html: str) -> str:
    return re.search(r'<form method="get" class="report-filters">(.*?)</form>', html, re.S).group(1)


def test_the_export_buttons_submit_the_report_form_to_the_export(office_client):
    form = report_form(office_client.get("/en/admin/reports/", {"month": "2026-10"}).text)
    # Buttons of the same GET form: what is chosen goes along, whether or not 查看 was
    # clicked after choosing it.
    assert 'formaction="/en/admin/reports/export.csv"' in form
    assert 'formaction="/en/admin/reports/export.xlsx"' in form
    assert 'name="month"' in form and 'name="community"' in form
    assert "<a " not in form  # no link that would carry the URL's old query instead


def test_the_form_keeps_the_street_office_on_screen(office_client, office):
    form = report_form(office_client.get("/en/admin/reports/", {"office": "donghu"}).text)
    assert '<input type="hidden" name="office" value="donghu">' in form
    # A community chosen in the form wins over the office (desks.core.scope.scope_for).
    response = office_client.get(
        "/en/admin/reports/export.csv",
        {"month": "2026-10", "office": "donghu", "community": "guangming"},
    )
    assert response["Content-Disposition"].endswith('report-guangming-2026-10.csv"')


def test_a_superuser_chooses_among_every_street_office_once_by_name(client, office):
    make_community(make_street_office(name="A街道", slug="a"), name="A社区", slug="a-1")
    make_community(make_street_office(name="B街道", slug="b"), name="B社区", slug="b-1")
    superuser = make_user(Role.OFFICE, street_office=office)
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    client.force_login(superuser)
    form = report_form(client.get("/en/admin/reports/", {"office": "donghu"}).text)
    offices = re.findall(r"<option value=\"\" ?[^>]*>([^<]*) · all communities</option>", form)
    assert offices == ["A街道", "B街道", "东湖街道"]
    communities = re.findall(r'<option value="([^"]+)"', form)
    assert communities == ["a-1", "b-1", "guangming", "heping"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_carries_the_month_and_scope_chosen_and_is_named_after_them(
    office_client, file_format
):
    # The page showed 2026-10 for the whole street office; the clerk chose 2026-09 and
    # 和平社区 and pressed export: the browser sends the form's fields to the export.
    response = office_client.get(
        f"/en/admin/reports/export.{file_format}", {"month": "2026-09", "community": "heping"}
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="report-heping-2026-09.{file_format}"'
    if file_format == "csv":
        first = response.content.decode("utf-8-sig").splitlines()[0]
    else:
        first = load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value
    assert first == "和平社区 2026-09"


def test_a_bad_month_in_the_export_is_a_400_and_records_nothing(office_client):
    response = office_client.get("/en/admin/reports/export.csv", {"month": "2026-13"})
    assert response.status_code == 400


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def csv_headings(content: bytes) -> list[str]:
    """Each table's title, unit and column headings: the rows after a blank line."""
    rows, headings = csv_rows(content), []
    for n, row in enumerate(rows):
        if not row and n + 3 < len(rows):
            headings += rows[n + 1] + rows[n + 2] + rows[n + 3]
    return headings


def xlsx_headings(content: bytes) -> list[str]:
    headings = []
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        headings.append(sheet.title)
        for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True):
            headings += [cell for cell in row if cell is not None]
    return headings


def is_english(text: str) -> bool:
    """Latin letters and no Chinese: a heading left in English."""
    return bool(re.search(r"[A-Za-z]", text)) and not re.search(r"[\u4e00-\u9fff]", text)


def test_the_english_export_has_english_headings(office_client):
    content = office_client.get("/en/admin/reports/export.csv", {"month": "2026-10"}).content
    headings = csv_headings(content)
    assert "Ratings by community" in headings
    assert (
        "Rated (percent) 2026-10" in headings and "Responded on time (percent) 2026-09" in headings
    )
    assert "Requests by hour and day of week" in headings and "Mon" in headings


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_heading_of_the_chinese_export_is_chinese(office_client, file_format):
    content = office_client.get(
        f"/admin/reports/export.{file_format}", {"month": "2026-10"}
    ).content
    headings = csv_headings(content) if file_format == "csv" else xlsx_headings(content)
    assert headings
    assert [heading for heading in headings if is_english(str(heading))] == []


def decimals(value) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if isinstance(value, float) and "." in text else 0


def test_no_figure_in_the_exports_has_more_than_one_decimal(office_client):
    csv_content = office_client.get("/en/admin/reports/export.csv", {"month": "2026-10"}).content
    cells = [cell for row in csv_rows(csv_content) for cell in row]
    noisy = [cell for cell in cells if re.fullmatch(r"-?\d+\.\d{2,}", cell)]
    assert noisy == []
    assert "1.6" in cells  # comp leave: 3.1 h against 1.5 h
    xlsx_content = office_client.get("/en/admin/reports/export.xlsx", {"month": "2026-10"}).content
    workbook = load_workbook(io.BytesIO(xlsx_content))
    numbers = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, float)
    ]
    assert numbers and max(decimals(cell.value) for cell in numbers) <= 1
    assert {cell.number_format for cell in numbers} == {"0.0"}


def test_the_heat_map_is_in_the_exports(office_client):
    csv_content = office_client.get("/en/admin/reports/export.csv", {"month": "2026-10"}).content
    rows = csv_rows(csv_content)
    start = rows.index(["Requests by hour and day of week"])
    assert rows[start + 2] == ["Hour", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    # 10/13–10/19 at 19:00, one a day (Tue to Mon), and 光明社区's Tuesday 10/20.
    assert rows[start + 3] == ["19:00", "1", "2", "1", "1", "1", "1", "1"]
    workbook = load_workbook(
        io.BytesIO(office_client.get("/en/admin/reports/export.xlsx", {"month": "2026-10"}).content)
    )
    sheet = workbook.worksheets[-1]
    assert sheet.title == "Requests by hour and day of wee"  # a sheet's name has 31 characters
    assert list(sheet.iter_rows(min_row=4, values_only=True)) == [("19:00", 1, 2, 1, 1, 1, 1, 1)]


def test_every_table_says_what_it_counts(office_client):
    rows = csv_rows(office_client.get("/en/admin/reports/export.csv", {"month": "2026-10"}).content)
    units = [rows[n + 2][0] for n, row in enumerate(rows) if not row]
    # The page's tables, the bookings' three (counts, waits per window, per item) included.
    assert len(units) == 19
    assert "Bookings for a day of the month; residents." in units
    assert all(units)
    assert (
        units.count("Counts registrations (登记): one per logged matter, however many people came.")
        == 7
    )  # six grouped tables and the heat map


def test_the_page_says_what_each_table_counts_and_defines_its_figures(office_client):
    body = office_client.get("/en/admin/reports/", {"month": "2026-10"}).text
    sections = re.findall(
        r'<section class="report-table" id="table-([a-z-]+)">(.*?)</section>', body, re.S
    )
    # Nine tables, three of rates, the votes, the heat map, two of bookings, two of waiting
    # times.
    assert len(sections) == 18
    for key, section in sections:
        # The votes table has a caption only when a round closed (none here).
        if key != "votes":
            assert '<caption class="unit">' in section, key
    summary = dict(sections)["summary"]
    mark = re.search(r'Slots held <a class="definition-mark" href="#(def-summary-\d+)"', summary)
    assert mark
    assert f'<dt id="{mark.group(1)}">Slots held</dt><dd>Planned slots that took place' in summary
    rates = dict(sections)["rates-community"]
    assert "Response rate (响应率)" in rates and "Rated rate (评价率)" in rates
