"""The database and the admin forms hold the opening-hours invariants."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from desks.models import DateOverride, HolidayArrangement, Role, WeeklyWindow
from tests.clock import at
from tests.factories import make_community, make_user

pytestmark = pytest.mark.django_db


def test_a_weekly_window_must_close_after_it_opens():
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyWindow.objects.create(
            community=make_community(), weekday=0, start=dt.time(20), end=dt.time(18)
        )


def test_a_weekly_window_has_exactly_one_owner():
    community = make_community()
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyWindow.objects.create(weekday=0, start=dt.time(18), end=dt.time(20))
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyWindow.objects.create(
            community=community,
            street_office=community.street_office,
            weekday=0,
            start=dt.time(18),
            end=dt.time(20),
        )


def test_overlapping_weekly_windows_are_refused_with_a_message():
    community = make_community()
    WeeklyWindow.objects.create(community=community, weekday=0, start=dt.time(18), end=dt.time(20))
    clash = WeeklyWindow(community=community, weekday=0, start=dt.time(19), end=dt.time(21))
    with pytest.raises(ValidationError):
        clash.full_clean()
    touching = WeeklyWindow(community=community, weekday=0, start=dt.time(20), end=dt.time(21))
    touching.full_clean()  # half-open windows may touch


def test_an_override_is_a_closure_or_a_whole_window():
    community = make_community()
    with pytest.raises(IntegrityError), transaction.atomic():
        DateOverride.objects.create(
            community=community, date=dt.date(2026, 1, 1), start=dt.time(9), reason="x"
        )


def test_a_closure_cannot_be_mixed_with_windows_on_one_date():
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 1, 5), reason="台风")
    extra = DateOverride(
        community=community, date=dt.date(2026, 1, 5), start=dt.time(9), end=dt.time(10), reason="x"
    )
    with pytest.raises(ValidationError):
        extra.full_clean()


def test_the_admin_warns_when_next_years_holidays_are_not_loaded(client, clock):

    client.force_login(make_user(Role.OFFICE))
    clock.stop_at(at(2026, 11, 24, 10))
    body = client.get("/en/admin/desks/community/").text
    assert "holiday arrangement for 2027 is not entered yet" in body
    HolidayArrangement.objects.create(year=2027, confirmed_at=timezone.now())
    assert "not entered yet" not in client.get("/en/admin/desks/community/").text
