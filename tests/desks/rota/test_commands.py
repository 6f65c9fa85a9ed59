import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import load_workbook

from desks.models import Assignment, DutySlot, ExportRecord, Role, RotaMonth
from desks.rota.planning import generate_month, publish
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def community():
    community = make_community(slug="heping")
    for name in ("wang", "li", "zhang"):
        make_user(community=community, username=name)
    return community


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_generate_rota_fills_a_month_and_says_what_it_did(community):
    out, _ = run("generate_rota", "--month", "2027-03", "--community", "heping")
    assert "heping 2027-03:" in out and "0 slots short" in out
    assert "planner cp-sat" in out and "hours spread" in out and "busiest pair" in out
    assert "slots miss a category (" in out and "a worker free that day knows" in out
    assert Assignment.objects.filter(slot__date__month=3).exists()
    assert not RotaMonth.objects.get().is_published


def test_generate_rota_prints_each_slot_it_could_not_fill(community):
    community.staff.exclude(username="wang").update(is_active=False)
    out, _ = run("generate_rota", "--month", "2027-03")
    assert "short:" in out and "only 1 of 2 workers" in out


def test_generate_rota_refuses_a_bad_month_or_community(community):
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("generate_rota", "--month", "March")
    with pytest.raises(CommandError, match="nowhere"):
        run("generate_rota", "--month", "2027-03", "--community", "nowhere")


def test_generate_rota_refuses_a_negative_time_limit(community):
    with pytest.raises(CommandError, match="negative"):
        run("generate_rota", "--month", "2027-03", "--seconds", "-1")
    assert not Assignment.objects.exists()


def test_generate_rota_shows_its_progress_over_several_communities(community, neighbour):
    _, err = run("generate_rota", "--month", "2027-03", "--seconds", "0.1")
    assert "generate_rota 2027-03: 1/2 (50%)" in err and "done, 2/2" in err


def test_generate_rota_refuses_fewer_than_one_job(community):
    with pytest.raises(CommandError, match="at least 1"):
        run("generate_rota", "--month", "2027-03", "--jobs", "0")
    assert not Assignment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_generate_rota_plans_in_several_processes_as_in_one(community, neighbour):
    """The command runs as it would in production, in a process of its own (forking this
    test process, which may hold a browser test's threads, could deadlock), on the test
    database, whose data is committed first."""
    for name in ("zhao", "qian", "sun"):
        make_user(community=neighbour, username=name)
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            run("generate_rota", "--month", "2027-03", "--jobs", "2")
        assert not Assignment.objects.exists()
        return
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "ROTA_SOLVER_SECONDS": "0.1"}
    command = [sys.executable, "manage.py", "generate_rota", "--month", "2027-03", "--jobs", "2"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("2027-03:") == 2 and "0 slots short" in done.stdout
    in_parallel = set(Assignment.objects.values_list("slot__date", "slot__starts_at", "worker"))
    assert in_parallel and len(in_parallel) == 2 * DutySlot.objects.count()
    optimal = all(m.figures["status"] == "OPTIMAL" for m in RotaMonth.objects.all())
    RotaMonth.objects.all().delete()
    Assignment.objects.all().delete()
    run("generate_rota", "--month", "2027-03", "--seconds", "0.1")
    in_one = set(Assignment.objects.values_list("slot__date", "slot__starts_at", "worker"))
    if optimal:  # a search cut short by the clock on a loaded machine may end elsewhere
        assert in_parallel == in_one


def test_generate_rota_leaves_a_published_month_alone(community):
    head = make_user(Role.HEAD, community=community)
    publish(generate_month(community, dt.date(2027, 3, 1), NOW).rota_month, head, NOW)
    before = list(Assignment.objects.values_list("pk", flat=True))
    with pytest.raises(CommandError):
        run("generate_rota", "--month", "2027-03")
    assert list(Assignment.objects.values_list("pk", flat=True)) == before


def test_export_rota_writes_the_wall_csv_with_names_and_the_state(community):
    generate_month(community, dt.date(2027, 3, 1), NOW)
    out, err = run("export_rota", "--by", "wang", "--month", "2027-03", "--community", "heping")
    assert out.startswith("\ufeffCommunity,Date,Weekday,Start,End,On duty,Note,State\r\n")
    rows = [line.split(",") for line in out.lstrip("\ufeff").splitlines()[1:]]
    assert len(rows) == DutySlot.objects.count()
    assert rows[0][:5] == [community.name, "2027-03-01", "Mon", "18:00", "20:00"]
    names = {name for row in rows for name in row[5].split("、")}
    assert names == {worker.display_name for worker in community.staff.all()}
    assert {row[7] for row in rows} == {"draft"}
    assert "is a draft" in err
    record = ExportRecord.objects.get()
    assert (record.user.username, record.file_format, record.ip_address) == ("wang", "csv", None)
    assert "2027-03" in record.what


def test_export_rota_names_who_takes_it_and_nothing_is_recorded_otherwise(community):
    generate_month(community, dt.date(2027, 3, 1), NOW)
    with pytest.raises(CommandError):  # --by is required
        run("export_rota", "--month", "2027-03")
    with pytest.raises(CommandError, match="No active user"):
        run("export_rota", "--by", "nobody", "--month", "2027-03")
    assert not ExportRecord.objects.exists()


def test_export_rota_writes_xlsx_to_a_file(community, tmp_path):
    generate_month(community, dt.date(2027, 3, 1), NOW)
    target = tmp_path / "rota.xlsx"
    _out, err = run(
        "export_rota", "--by", "wang", "--month", "2027-03", "--format", "xlsx", "--output", target
    )
    assert load_workbook(target).sheetnames == [f"{community.name} 2027-03"]
    assert "Wrote" in err
    with pytest.raises(CommandError, match="--output"):
        run("export_rota", "--by", "wang", "--month", "2027-03", "--format", "xlsx")


def test_export_rota_of_a_month_without_a_rota_is_just_the_header(community):
    out, err = run("export_rota", "--by", "wang", "--month", "2027-04")
    assert out == "\ufeffCommunity,Date,Weekday,Start,End,On duty,Note,State\r\n"
    assert "heping has no rota for 2027-04" in err
