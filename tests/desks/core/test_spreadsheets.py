"""Exports neutralise formulas: a typed name never becomes a live cell in Excel."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from desks.core.spreadsheets import safe_cell
from desks.models import RotaMonth
from desks.rota import wall
from desks.rota.duty import assign, make_slots
from tests.clock import at
from tests.factories import make_request, make_resident, make_service_item, make_user

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x","y")', "+SUM(1)", "@cmd", "-2+3", "\tx", "\r=1+1"]


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_could_be_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["张桂英", "居民医保 (2)", "a=b", "", 0, -2, 3.5, None])
def test_plain_text_and_numbers_pass_unchanged(value):
    assert safe_cell(value) == value


def test_a_resident_named_like_a_formula_is_text_in_the_residents_csv(client, community, worker):
    make_resident(community, name='=HYPERLINK("http://x","y")', estate="@cmd")
    client.force_login(worker)
    _header, row = read_csv(client.post(reverse("residents:export")).content)
    assert row[1] == '\'=HYPERLINK("http://x","y")'
    assert row[3].startswith("'@cmd")


@pytest.fixture
def dangerous_items(community, worker):
    for name in DANGEROUS:
        item = make_service_item(name=name)
        make_request(community, item, worker, at(2026, 10, 15, 19))


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


@pytest.mark.usefixtures("dangerous_items")
def test_service_items_named_like_formulas_are_text_in_the_report_csv(office_client):
    response = office_client.get("/en/admin/reports/export.csv", {"month": "2026-10"})
    assert response.status_code == 200
    cells = {cell for row in read_csv(response.content) for cell in row}
    for name in DANGEROUS:
        assert "'" + name in cells
        assert name not in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


@pytest.mark.usefixtures("dangerous_items")
def test_service_items_named_like_formulas_are_text_in_the_report_xlsx(office_client):
    response = office_client.get("/en/admin/reports/export.xlsx", {"month": "2026-10"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    found = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("'"):
                    assert cell.data_type == "s"
                    found.add(cell.value[1:])
    # XML keeps no carriage return: the cell reads "\n=1+1", still text.
    assert found == {name.replace("\r", "\n") for name in DANGEROUS}


def test_a_worker_named_like_a_formula_is_text_in_the_rota_csv(community):
    slot = make_slots(community, dt.date(2027, 3, 2), dt.date(2027, 3, 2))[0]
    assign(slot, make_user(community=community, last_name="-2+3", first_name=""))
    rota_month = RotaMonth.objects.create(community=community, month=dt.date(2027, 3, 1))
    rows = read_csv(wall.as_csv(wall.wall_grids([rota_month])))
    assert rows[1][5] == "'-2+3"
