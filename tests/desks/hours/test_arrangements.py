"""Every date of 2026 and 2027, checked against the State Council's arrangement.

The tables below are written from the notices themselves, not from the `holidays`
library the app uses, so a wrong library release or a wrong block rule fails here.
2026: 国务院办公厅关于2026年部分节假日安排的通知. 2027's notice is not out (as of
December 2026): its dates are provisional, and only the days the law fixes
(全国年节及纪念日放假办法) are holidays, with the weekends adjoining them.
"""

import datetime as dt

import pytest
from django.utils import timezone

from desks.hours import DayKind, OpeningHours, Window
from desks.models import HolidayArrangement, HolidayRule, WeeklyWindow, WorkingWeekendRule
from tests.factories import make_community, make_street_office

pytestmark = pytest.mark.django_db

EVENING = (Window(dt.time(18), dt.time(20)),)
WEEKEND = (Window(dt.time(8), dt.time(16)),)


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


# (days off, name the block carries, make-up working days), one row per notice line.
NOTICE_2026 = [
    (days("2026-01-01", "2026-01-03"), "元旦", ["2026-01-04"]),
    (days("2026-02-15", "2026-02-23"), "春节", ["2026-02-14", "2026-02-28"]),
    (days("2026-04-04", "2026-04-06"), "清明节", []),
    (days("2026-05-01", "2026-05-05"), "劳动节", ["2026-05-09"]),
    (days("2026-06-19", "2026-06-21"), "端午节", []),
    (days("2026-09-25", "2026-09-27"), "中秋节", []),
    (days("2026-10-01", "2026-10-07"), "国庆节", ["2026-09-20", "2026-10-10"]),
]

# 2027 by law alone: 元旦 1 day, 春节 除夕 to 初三, 清明, 劳动节 2 days, 端午, 中秋,
# 国庆 3 days, each with the weekend days that adjoin it.
STATUTORY_2027 = [
    (days("2027-01-01", "2027-01-03"), "元旦", []),  # Fri + weekend
    (days("2027-02-05", "2027-02-08"), "春节", []),  # 除夕 Fri to 初三 Mon
    (days("2027-04-03", "2027-04-05"), "清明节", []),  # weekend + Mon
    (days("2027-05-01", "2027-05-02"), "劳动节", []),  # Sat, Sun
    (days("2027-06-09", "2027-06-09"), "端午节", []),  # Wed
    (days("2027-09-15", "2027-09-15"), "中秋节", []),  # Wed
    (days("2027-10-01", "2027-10-03"), "国庆节", []),  # Fri + weekend
]


def expectations(notice):
    off = {day: name for block, name, _work in notice for day in block}
    work = {dt.date.fromisoformat(day) for _block, _name, made_up in notice for day in made_up}
    return off, work


def year_of(community, year: int):
    opening = OpeningHours([community], dt.date(year, 1, 1), dt.date(year, 12, 31))
    return list(opening.days(community))


@pytest.mark.parametrize(("year", "notice"), [(2026, NOTICE_2026), (2027, STATUTORY_2027)])
def test_every_date_follows_the_arrangement_under_the_default_rule(year, notice):
    off, work = expectations(notice)
    community = make_community(make_street_office(holiday_rule=HolidayRule.CLOSED))
    wrong = []
    for day in year_of(community, year):
        if day.date in off:
            expected = ((), DayKind.HOLIDAY)
        elif day.date in work:
            expected = (EVENING, DayKind.WORKING_WEEKEND)
        else:
            expected = (EVENING if day.date.weekday() < 5 else WEEKEND, DayKind.REGULAR)
        if (day.windows, day.kind) != expected:
            wrong.append((day.date, day.windows, day.kind, expected))
        elif day.date in off and off[day.date] not in day.note:
            wrong.append((day.date, day.note, off[day.date]))
    assert wrong == []


@pytest.mark.parametrize(("year", "notice"), [(2026, NOTICE_2026), (2027, STATUTORY_2027)])
def test_every_date_follows_the_arrangement_for_a_one_evening_a_week_centre(year, notice):
    """Open Wednesdays 18:00–20:00 only: closed on every day off, and a 调休上班 weekend
    day is like most of its weekdays (closed) under the default working-weekend rule."""
    off, work = expectations(notice)
    community = make_community()
    WeeklyWindow.objects.create(community=community, weekday=2, start=dt.time(18), end=dt.time(20))
    wrong = []
    for day in year_of(community, year):
        if day.date in off:
            expected = ((), DayKind.HOLIDAY)
        elif day.date in work:
            expected = ((), DayKind.WORKING_WEEKEND)
        else:
            expected = (EVENING if day.date.weekday() == 2 else (), DayKind.REGULAR)
        if (day.windows, day.kind) != expected:
            wrong.append((day.date, day.windows, day.kind, expected))
    assert wrong == []


def test_a_street_office_open_on_holidays_opens_the_whole_block_with_weekend_hours():
    off, _work = expectations(NOTICE_2026)
    community = make_community(make_street_office(holiday_rule=HolidayRule.WEEKEND_HOURS))
    opened = {day.date: day for day in year_of(community, 2026) if day.date in off}
    assert {day.windows for day in opened.values()} == {WEEKEND}
    assert opened[dt.date(2026, 10, 4)].note == "国庆节"  # the block's Sunday is named too


@pytest.mark.parametrize(
    ("rule", "windows"),
    [
        (WorkingWeekendRule.WEEKDAY, ()),
        (WorkingWeekendRule.WEEKEND, (Window(dt.time(9), dt.time(11)),)),
        (WorkingWeekendRule.CLOSED, ()),
    ],
)
def test_the_street_office_chooses_what_an_own_pattern_centre_does_on_a_working_weekend(
    rule, windows
):
    office = make_street_office(working_weekend_rule=rule)
    community = make_community(office)
    WeeklyWindow.objects.create(community=community, weekday=2, start=dt.time(18), end=dt.time(20))
    WeeklyWindow.objects.create(community=community, weekday=6, start=dt.time(9), end=dt.time(11))
    sunday = OpeningHours([community], dt.date(2026, 1, 4), dt.date(2026, 1, 4)).day(
        community, dt.date(2026, 1, 4)
    )
    assert sunday.kind == DayKind.WORKING_WEEKEND and sunday.windows == windows


def test_the_default_week_keeps_the_evening_window_on_a_working_weekend_whatever_the_rule():
    """The office's working-weekend rule is for centres with a pattern of their own."""
    for rule in WorkingWeekendRule:
        community = make_community(make_street_office(working_weekend_rule=rule))
        day = OpeningHours([community], dt.date(2026, 10, 10), dt.date(2026, 10, 10)).day(
            community, dt.date(2026, 10, 10)
        )
        assert day.windows == EVENING


def test_2026_is_official_and_2027_provisional_until_its_arrangement_is_confirmed():
    """Only the days off the law itself fixes are certain in 2027: the rest may move."""
    community = make_community()
    assert not any(day.provisional for day in year_of(community, 2027 - 1))
    days_2027 = year_of(community, 2027)
    certain = {day.date for day in days_2027 if not day.provisional}
    assert certain == {
        dt.date(2027, 1, 1),
        *days("2027-02-05", "2027-02-08"),
        dt.date(2027, 4, 5),
        *days("2027-05-01", "2027-05-02"),
        dt.date(2027, 6, 9),
        dt.date(2027, 9, 15),
        *days("2027-10-01", "2027-10-03"),
    }
    assert all(day.as_json()["provisional"] for day in days_2027 if day.date not in certain)
    HolidayArrangement.objects.create(year=2027, confirmed_at=timezone.now())
    assert not any(day.provisional for day in year_of(community, 2027))


def test_a_provisional_year_states_no_guessed_days_in_lieu():
    """The library guesses 补假 days for 2027 (e.g. Tuesday 9 February); the notice may
    well differ, so those days stay ordinary until the arrangement is entered."""
    community = make_community()
    opening = OpeningHours([community], dt.date(2027, 2, 9), dt.date(2027, 2, 10))
    for day in opening.days(community):
        assert day.kind == DayKind.REGULAR and day.windows == EVENING and day.provisional


def test_next_open_after_national_day_2026_is_the_evening_of_8_october():
    community = make_community()
    opening = OpeningHours([community], dt.date(2026, 10, 1), dt.date(2026, 10, 15))
    moment = timezone.make_aware(dt.datetime(2026, 10, 1, 9))
    day, window = opening.next_opening(community, moment)
    assert (day.date, window) == (dt.date(2026, 10, 8), EVENING[0])
