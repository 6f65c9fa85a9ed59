import datetime as dt
import uuid

import pytest
from django.core.management import CommandError, call_command

from desks.desk.request_log import log_request
from desks.models import Outcome, ServiceRequest
from residents.models import AccessLog, Resident
from tests.clock import at
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 3)


def resident_last_seen(when, **fields):
    resident = make_resident(**fields)
    Resident.objects.filter(pk=resident.pk).update(last_active_at=when)
    return resident


def test_it_anonymises_residents_idle_for_three_years(capsys, clock):
    clock.stop_at(NOW)
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


def test_the_period_is_configurable(clock):
    clock.stop_at(NOW)
    resident = resident_last_seen(NOW - dt.timedelta(days=400))
    call_command("anonymise_residents", years=2)
    assert not Resident.objects.get(pk=resident.pk).is_anonymised
    call_command("anonymise_residents", years=1)
    assert Resident.objects.get(pk=resident.pk).is_anonymised


def test_a_second_run_leaves_anonymised_residents_alone(clock):
    clock.stop_at(NOW)
    resident_last_seen(NOW - dt.timedelta(days=4 * 365))
    call_command("anonymise_residents")
    call_command("anonymise_residents")
    assert AccessLog.objects.count() == 1


def test_a_dry_run_changes_nothing(capsys, clock):
    clock.stop_at(NOW)
    resident = resident_last_seen(NOW - dt.timedelta(days=4 * 365))
    call_command("anonymise_residents", dry_run=True)
    assert not Resident.objects.get(pk=resident.pk).is_anonymised
    assert "1 residents would be anonymised" in capsys.readouterr().out


def test_it_refuses_a_period_under_a_year():
    with pytest.raises(CommandError, match="--years"):
        call_command("anonymise_residents", years=0)


def test_anonymising_a_resident_clears_what_the_desk_wrote_about_them(community, worker):
    now = at(2026, 11, 24, 15)
    resident = make_resident(community, name="张秘密")
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=now,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ANSWERED,
        resident=resident,
        notes="张秘密 的女儿来问低保",
        proxy_name="女儿 张小秘",
    )
    resident.anonymise(now)
    request.refresh_from_db()
    assert request.notes == "" and request.proxy_name == ""
    assert ServiceRequest.objects.alive().count() == 1
