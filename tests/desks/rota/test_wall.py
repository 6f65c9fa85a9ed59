"""The rota for the wall: the printed month grid, its CSV/XLSX, who may take it, and its record."""

import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from desks.models import DutySlot, ExportRecord, Role, RotaMonth
from desks.rota import wall
from desks.rota.planning import generate_month, publish
from tests.clock import at
from tests.factories import make_community, make_street_office, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OCTOBER = dt.date(2026, 10, 1)  # National Day: 1–7 October off, Saturday 10 October worked
PLANNED_AT = at(2026, 9, 20, 10)
PRINTED_AT = at(2026, 9, 28, 9, 30)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(PRINTED_AT)


@pytest.fixture
def community(street_office):
    return make_community(street_office, name="和平社区", slug="heping", phone="027-86781234")


@pytest.fixture
def head(community):
    return make_user(
        Role.HEAD,
        community=community,
        username="heping-head",
        last_name="周",
        first_name="敏",
        phone="13912345678",
    )


@pytest.fixture
def workers(community):
    names = [("李", "娜"), ("张", "伟"), ("陈", "静")]
    return [
        make_user(community=community, username=f"heping-{n}", last_name=last, first_name=first)
        for n, (last, first) in enumerate(names, start=1)
    ]


@pytest.fixture
def october(community, head, workers):
    """October's rota of 和平社区, still a draft."""
    return generate_month(community, OCTOBER, PLANNED_AT).rota_month


@pytest.fixture
def neighbour_october(neighbour):
    for n in (1, 2):
        make_user(community=neighbour, username=f"xingfu-{n}", last_name="赵", first_name=f"{n}")
    return generate_month(neighbour, OCTOBER, PLANNED_AT).rota_month


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return [line.split(",") for line in text.lstrip("\ufeff").splitlines()]


def attachment_name(response) -> str:
    match = re.search(r"filename\*=utf-8''(\S+)", response["Content-Disposition"])
    return unquote(match[1]) if match else response["Content-Disposition"]


# The grid ----------------------------------------------------------------------


def test_the_grid_has_every_day_of_the_month_with_its_holiday_and_real_names(october, workers):
    (grid,) = wall.wall_grids([october])
    assert len(grid.days) == 31 and grid.is_draft
    assert [kind for kind, _label in grid.columns] == ["evening", "weekend"]
    national_day = grid.days[0]
    assert national_day.hours.note == "National Day" and not national_day.has_slots
    working_saturday = grid.days[9]  # 10 October: a weekday evening for the desk
    evening, weekend = working_saturday.cells
    assert len(evening) == 1 and weekend == []
    assert evening[0].time == "18:00–20:00"
    names = {name for day in grid.days for cell in day.cells for s in cell for name in s.names}
    assert names == {worker.display_name for worker in workers}
    assert not any(name.startswith("heping-") for name in names)
    assert [head.display_name for head in grid.heads] == ["周敏"]


def test_a_worker_without_a_name_is_shown_by_username(community, head):
    make_user(community=community, username="nameless", last_name="", first_name="")
    rota_month = generate_month(community, OCTOBER, PLANNED_AT).rota_month
    (grid,) = wall.wall_grids([rota_month])
    assert "nameless" in {
        name for day in grid.days for c in day.cells for s in c for name in s.names
    }


def test_a_cancelled_slot_shows_as_cancelled_without_its_workers(october):
    slot = DutySlot.objects.filter(community=october.community, date="2026-10-12").get()
    slot.cancelled_at, slot.cancel_reason = PRINTED_AT, "停电检修"
    slot.save(update_fields=["cancelled_at", "cancel_reason"])
    (grid,) = wall.wall_grids([october])
    (cancelled,) = grid.days[11].cells[0]
    assert cancelled.slot.is_cancelled and cancelled.names == []
    row = next(row for row in wall.rows(grid) if row[1] == "2026-10-12")
    assert row[5] == "" and row[6] == "Cancelled: 停电检修"


def test_the_grid_costs_the_same_queries_however_many_slots_and_communities(
    october, neighbour_october, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as one:
        wall.wall_grids(
            RotaMonth.objects.filter(pk=october.pk).select_related("community__street_office")
        )
    both = RotaMonth.objects.select_related("community__street_office")
    with django_assert_num_queries(len(one.captured_queries)):
        grids = wall.wall_grids(both)
    assert len(grids) == 2 and sum(len(d.cells) for g in grids for d in g.days) > 31


# CSV and XLSX ------------------------------------------------------------------


def test_the_csv_has_headers_in_the_readers_language_real_names_and_the_state(october, workers):
    (grid,) = wall.wall_grids([october])
    header, *rows = csv_rows(wall.as_csv([grid]))
    assert header == [
        "Community",
        "Date",
        "Weekday",
        "Start",
        "End",
        "On duty",
        "Note",
        "State",
    ]
    assert len(rows) == DutySlot.objects.filter(community=october.community).count()
    first = rows[0]
    assert first[:5] == ["和平社区", "2026-10-08", "Thu", "18:00", "20:00"]
    assert set(first[5].split("、")) <= {worker.display_name for worker in workers}
    assert {row[7] for row in rows} == {"draft"}
    saturday = next(row for row in rows if row[1] == "2026-10-10")
    assert saturday[6]  # the make-up working day is named


def test_a_name_that_looks_like_a_formula_stays_text(community, head):
    make_user(community=community, username="evil", last_name="=HYPERLINK(1)", first_name="")
    rota_month = generate_month(community, OCTOBER, PLANNED_AT).rota_month
    content = wall.as_csv(wall.wall_grids([rota_month])).decode()
    assert "'=HYPERLINK(1)" in content and ",=HYPERLINK" not in content


def test_the_xlsx_has_a_sheet_per_community_month(october, neighbour_october):
    grids = wall.wall_grids(RotaMonth.objects.select_related("community__street_office"))
    book = load_workbook(io.BytesIO(wall.as_xlsx(grids)))
    assert book.sheetnames == ["和平社区 2026-10", "幸福里社区 2026-10"]
    sheet = book["和平社区 2026-10"]
    assert [cell.value for cell in sheet[1]] == wall.header()
    assert sheet.max_row - 1 == DutySlot.objects.filter(community=october.community).count()


def test_two_communities_of_the_same_name_get_two_sheets(october, head):
    namesake = make_community(make_street_office(), name="和平社区", slug="heping-2")
    make_user(community=namesake)
    other = generate_month(namesake, OCTOBER, PLANNED_AT).rota_month
    book = load_workbook(io.BytesIO(wall.as_xlsx(wall.wall_grids([october, other]))))
    assert len(set(book.sheetnames)) == 2


def test_the_file_is_named_after_community_month_and_draft(october, neighbour_october, head):
    (grid,) = wall.wall_grids([october])
    assert wall.filename([grid], "csv") == "rota-和平社区-2026-10-draft.csv"
    publish(october, head, PRINTED_AT)
    (grid,) = wall.wall_grids([RotaMonth.objects.get(pk=october.pk)])
    assert wall.filename([grid], "xlsx") == "rota-和平社区-2026-10.xlsx"
    both = wall.wall_grids(RotaMonth.objects.select_related("community__street_office"))
    assert wall.filename(both, "csv") == "rota-和平社区 and 1 more-2026-10-draft.csv"


# The admin: street office and heads ------------------------------------------------


def test_the_street_office_downloads_a_month_as_csv_and_it_is_recorded(office_client, october):
    response = office_client.get(
        f"/en/admin/desks/rotamonth/{october.pk}/export.csv", REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert attachment_name(response) == "rota-和平社区-2026-10-draft.csv"
    header, *rows = csv_rows(response.content)
    assert header[0] == "Community" and rows[0][0] == "和平社区"
    record = ExportRecord.objects.get()
    assert (record.user.username, record.file_format, record.ip_address) == (
        "office",
        "csv",
        "198.51.100.7",
    )
    assert record.what == "Rota for the wall: 和平社区 2026-10"
    assert record.exported_at == PRINTED_AT


def test_the_csv_is_in_chinese_by_default(client, office, october):
    client.force_login(office)
    response = client.get(f"/admin/desks/rotamonth/{october.pk}/export.csv")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        chinese = wall.header()
    assert csv_rows(response.content)[0] == chinese
    assert chinese[0] == "社区"


def test_the_street_office_downloads_a_month_as_xlsx(office_client, october):
    response = office_client.get(f"/en/admin/desks/rotamonth/{october.pk}/export.xlsx")
    assert response.status_code == 200
    assert attachment_name(response).endswith("2026-10-draft.xlsx")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["和平社区 2026-10"]
    assert ExportRecord.objects.get().file_format == "xlsx"


def test_the_street_office_prints_two_communities_one_grid_each(
    office_client, october, neighbour_october
):
    response = office_client.get(
        "/en/admin/desks/rotamonth/print/", {"id": [october.pk, neighbour_october.pk]}
    )
    assert response.status_code == 200
    body = response.text
    assert body.count('<article class="wall-grid draft"') == 2
    assert "和平社区: duty rota, October 2026" in body
    assert "幸福里社区: duty rota, October 2026" in body
    assert body.count("Draft — not published") == 4  # banner and printed line, per grid
    assert "周敏" in body and "13912345678" in body and "027-86781234" in body
    assert "Printed at 2026-09-28 09:30" in body
    assert "National Day" in body
    assert "no-store" in response["Cache-Control"]
    record = ExportRecord.objects.get()
    assert record.file_format == "print"
    assert "和平社区 2026-10" in record.what and "幸福里社区 2026-10" in record.what


def test_a_published_month_prints_without_the_draft_mark(office_client, october, head):
    publish(october, head, PRINTED_AT)
    body = office_client.get("/en/admin/desks/rotamonth/print/", {"id": october.pk}).text
    assert '<article class="wall-grid"' in body and "Draft — not published" not in body


def test_printing_costs_the_same_queries_for_one_grid_or_two(
    office_client, october, neighbour_october, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as one:
        office_client.get("/en/admin/desks/rotamonth/print/", {"id": october.pk})
    with django_assert_num_queries(len(one.captured_queries)):
        office_client.get(
            "/en/admin/desks/rotamonth/print/", {"id": [october.pk, neighbour_october.pk]}
        )


def test_the_print_action_opens_the_grids_of_the_selected_months(
    office_client, october, neighbour_october
):
    response = office_client.post(
        "/en/admin/desks/rotamonth/",
        {"action": "print_selected", "_selected_action": [october.pk, neighbour_october.pk]},
    )
    assert response.status_code == 302
    ids = sorted([october.pk, neighbour_october.pk])
    assert response["Location"] == f"/en/admin/desks/rotamonth/print/?id={ids[0]}&id={ids[1]}"


def test_the_export_actions_write_every_selected_month_and_record_it(
    office_client, october, neighbour_october
):
    selected = {"_selected_action": [october.pk, neighbour_october.pk]}
    response = office_client.post(
        "/en/admin/desks/rotamonth/", {"action": "export_selected", **selected}
    )
    assert {row[0] for row in csv_rows(response.content)[1:]} == {"和平社区", "幸福里社区"}
    response = office_client.post(
        "/en/admin/desks/rotamonth/", {"action": "export_selected_xlsx", **selected}
    )
    assert len(load_workbook(io.BytesIO(response.content)).sheetnames) == 2
    assert sorted(ExportRecord.objects.values_list("file_format", flat=True)) == ["csv", "xlsx"]


def test_printing_refuses_ids_that_are_not_numbers(office_client, october):
    for bad in ({}, {"id": "abc"}, {"id": [october.pk, "1;drop"]}, {"id": "١"}, {"id": "9" * 30}):
        response = office_client.get("/en/admin/desks/rotamonth/print/", bad)
        assert response.status_code == 400
        assert "Choose the months to print" in response.text
    assert not ExportRecord.objects.exists()


def test_another_street_offices_month_is_a_404(client, other_office, october):
    client.force_login(other_office)
    for url in (
        f"/en/admin/desks/rotamonth/{october.pk}/export.csv",
        f"/en/admin/desks/rotamonth/{october.pk}/export.xlsx",
        f"/en/admin/desks/rotamonth/print/?id={october.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert not ExportRecord.objects.exists()


def test_one_month_out_of_scope_makes_the_whole_print_a_404(
    client, head, october, neighbour_october
):
    client.force_login(head)
    response = client.get(
        "/en/admin/desks/rotamonth/print/", {"id": [october.pk, neighbour_october.pk]}
    )
    assert response.status_code == 404
    assert not ExportRecord.objects.exists()


def test_a_head_prints_and_downloads_their_own_month_in_the_admin(client, head, october):
    client.force_login(head)
    assert client.get(f"/en/admin/desks/rotamonth/print/?id={october.pk}").status_code == 200
    assert client.get(f"/en/admin/desks/rotamonth/{october.pk}/export.csv").status_code == 200
    page = client.get(f"/en/admin/desks/rotamonth/{october.pk}/change/").text
    assert f"/en/admin/desks/rotamonth/print/?id={october.pk}" in page
    assert f"/en/admin/desks/rotamonth/{october.pk}/export.xlsx" in page


def test_admin_exports_need_a_login(client, october):
    for url in (
        f"/en/admin/desks/rotamonth/{october.pk}/export.csv",
        f"/en/admin/desks/rotamonth/print/?id={october.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_export_permission_are_refused(client, office, october):
    office.groups.clear()
    office.user_permissions.add(Permission.objects.get(codename="view_rotamonth"))
    client.force_login(office)
    assert client.get(f"/en/admin/desks/rotamonth/print/?id={october.pk}").status_code == 403
    assert client.get(f"/en/admin/desks/rotamonth/{october.pk}/export.xlsx").status_code == 403


# The head's desk -------------------------------------------------------------------


def test_the_head_prints_their_month_from_the_desk(client, head, october):
    client.force_login(head)
    page = client.get("/en/desk/rota/").text
    assert "/en/desk/rota/wall/2026-10/" in page and "/en/desk/rota/wall/2026-10/xlsx/" in page
    response = client.get("/en/desk/rota/wall/2026-10/")
    assert response.status_code == 200
    assert response.text.count('<article class="wall-grid draft"') == 1
    assert ExportRecord.objects.get().file_format == "print"


def test_the_head_downloads_csv_and_xlsx_from_the_desk(client, head, october):
    client.force_login(head)
    csv = client.get("/en/desk/rota/wall/2026-10/csv/")
    assert csv.status_code == 200 and attachment_name(csv) == "rota-和平社区-2026-10-draft.csv"
    xlsx = client.get("/en/desk/rota/wall/2026-10/xlsx/")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["和平社区 2026-10"]
    assert sorted(ExportRecord.objects.values_list("file_format", flat=True)) == ["csv", "xlsx"]


def test_a_worker_who_is_not_head_is_refused_the_wall(client, workers, october):
    client.force_login(workers[0])
    assert "/desk/rota/wall/" not in client.get("/en/desk/rota/").text
    for url in ("/en/desk/rota/wall/2026-10/", "/en/desk/rota/wall/2026-10/csv/"):
        assert client.get(url).status_code == 403
    assert not ExportRecord.objects.exists()


def test_the_desk_wall_needs_a_login(client, october):
    response = client.get("/en/desk/rota/wall/2026-10/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_head_gets_only_their_own_community(client, neighbour_october, neighbour):
    other_head = make_user(Role.HEAD, community=make_community(make_street_office()))
    client.force_login(other_head)
    assert client.get("/en/desk/rota/wall/2026-10/").status_code == 404
    head_next_door = make_user(Role.HEAD, community=neighbour)
    client.force_login(head_next_door)
    body = client.get("/en/desk/rota/wall/2026-10/").text
    assert "幸福里社区" in body and "和平社区" not in body


def test_the_desk_wall_refuses_a_bad_month_or_a_month_without_a_rota(client, head, october):
    client.force_login(head)
    for bad in ("2026-13", "October", "2026-1"):
        response = client.get(f"/en/desk/rota/wall/{bad}/")
        assert response.status_code == 400 and "YYYY-MM" in response.text
    assert client.get("/en/desk/rota/wall/2026-11/").status_code == 404
    assert client.post("/en/desk/rota/wall/2026-10/").status_code == 405
    assert not ExportRecord.objects.exists()
