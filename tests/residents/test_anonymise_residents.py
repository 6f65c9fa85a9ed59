import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from residents.models import AccessLog, Resident
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=SHANGHAI)


def resident_last_seen(when, **fields):
    resident = make_resident(**fields)
    Resident.objects.filter(pk=resident.pk).update(last_active_at=when)
    return resident


@time_machine.travel(NOW, tick=False)
def test_it_anonymises_residents_idle_for_three_years(capsys):
    stale = resident_last_seen(NOW - dt.timedelta(days=3 * 365 + 2), name="老居民")
    recent = resident_last_seen(NOW - dt.timedelta(days=3 * 365 - 2), name="新居民")
    call_command("anonymise_residents")
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert stale.is_anonymised and stale.name == "" and stale.phone == ""
    assert not recent.is_anonymised and recent.name == "新居民"
    assert Resident.objects.count() == 2
    record = AccessLog.objects.get()
    assert (record.action, record.resident, record.user) == ("anonymised", stale, None)
    assert "1 residents anonymised" in capsys.readouterr().out


@time_machine.travel(NOW, tick=False)
def test_the_period_is_configurable():
    resident = resident_last_seen(NOW - dt.timedelta(days=400))
    call_command("anonymise_residents", years=2)
    assert not Resident.objects.get(pk=resident.pk).is_anonymised
    call_command("anonymise_residents", years=1)
    assert Resident.objects.get(pk=resident.pk).is_anonymised


@time_machine.travel(NOW, tick=False)
def test_a_second_run_leaves_anonymised_residents_alone():
    resident_last_seen(NOW - dt.timedelta(days=4 * 365))
    call_command("anonymise_residents")
    call_command("anonymise_residents")
    assert AccessLog.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_dry_run_changes_nothing(capsys):
    resident = resident_last_seen(NOW - dt.timedelta(days=4 * 365))
    call_command("anonymise_residents", dry_run=True)
    assert not Resident.objects.get(pk=resident.pk).is_anonymised
    assert "1 residents would be anonymised" in capsys.readouterr().out


def test_it_refuses_a_period_under_a_year():
    with pytest.raises(CommandError, match="--years"):
        call_command("anonymise_residents", years=0)
