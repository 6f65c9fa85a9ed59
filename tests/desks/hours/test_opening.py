import datetime as dt

import pytest
from django.utils import timezone

from desks import hours
from desks.hours import DayKind, Window, open_windows
from desks.models import (
    CalendarDay,
    DateOverride,
    HolidayArrangement,
    HolidayRule,
    Weekday,
    WeeklyWindow,
)
from tests.clock import at
from tests.factories import make_community, make_street_office

pytestmark = pytest.mark.django_db

EVENING = (Window(dt.time(18), dt.time(20)),)
WEEKEND_DAY = (Window(dt.time(8), dt.time(16)),)


def status(community, moment):
    day = moment.date()
    opening = hours.OpeningHours([community], day, day + dt.timedelta(days=14))
    return hours.status_at(opening, community, moment)


def test_a_normal_weekday_opens_in_the_evening():
    day = open_windows(make_community(), dt.date(2026, 11, 24))  # a Tuesday
    assert day.windows == EVENING
    assert day.kind == DayKind.REGULAR and day.note == ""


def test_a_weekend_day_opens_all_day():
    assert open_windows(make_community(), dt.date(2026, 11, 28)).windows == WEEKEND_DAY


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 11, 24, 17, 59, 59), False),
        (at(2026, 11, 24, 18, 0, 0), True),
        (at(2026, 11, 24, 19, 59, 59), True),
        (at(2026, 11, 24, 20, 0, 0), False),
    ],
)
def test_windows_are_half_open(moment, is_open):
    assert status(make_community(), moment).is_open_now is is_open


def test_before_opening_it_says_when_it_opens_today():
    now = status(make_community(), at(2026, 11, 24, 17, 59, 59))
    assert now.opens_later_today
    assert now.next_opening[1].start == dt.time(18)


def test_after_closing_it_points_to_the_next_day():
    now = status(make_community(), at(2026, 11, 24, 20, 0, 0))
    assert not now.opens_later_today
    next_day, window = now.next_opening
    assert next_day.date == dt.date(2026, 11, 25) and window.start == dt.time(18)


def test_a_statutory_holiday_is_closed_and_named():
    day = open_windows(make_community(), dt.date(2026, 10, 1))
    assert day.windows == ()
    assert day.kind == DayKind.HOLIDAY
    assert day.note == "国庆节"


def test_a_street_office_may_open_on_holidays_with_weekend_hours():
    office = make_street_office(holiday_rule=HolidayRule.WEEKEND_HOURS)
    day = open_windows(make_community(office), dt.date(2026, 10, 1))
    assert day.windows == WEEKEND_DAY and day.note == "国庆节"


def test_a_working_weekend_day_gets_the_weekday_evening():
    day = open_windows(make_community(), dt.date(2026, 9, 20))  # a Sunday worked for 国庆
    assert day.kind == DayKind.WORKING_WEEKEND
    assert day.windows == EVENING
    assert day.note


def test_a_community_with_its_own_pattern():
    community = make_community()
    WeeklyWindow.objects.create(
        community=community, weekday=Weekday.WEDNESDAY, start=dt.time(17), end=dt.time(18, 30)
    )
    WeeklyWindow.objects.create(
        community=community, weekday=Weekday.WEDNESDAY, start=dt.time(19), end=dt.time(20)
    )
    assert open_windows(community, dt.date(2026, 11, 24)).windows == ()  # Tuesday
    assert open_windows(community, dt.date(2026, 11, 25)).windows == (
        Window(dt.time(17), dt.time(18, 30)),
        Window(dt.time(19), dt.time(20)),
    )
    assert open_windows(community, dt.date(2026, 11, 28)).windows == ()  # Saturday
    # Open one evening a week, so closed on a working weekend day too.
    assert open_windows(community, dt.date(2026, 9, 20)).windows == ()


def test_a_community_follows_its_street_office_pattern():
    office = make_street_office()
    WeeklyWindow.objects.create(
        street_office=office, weekday=Weekday.MONDAY, start=dt.time(17), end=dt.time(20)
    )
    community = make_community(office)
    assert open_windows(community, dt.date(2026, 11, 23)).windows == (
        Window(dt.time(17), dt.time(20)),
    )
    assert open_windows(community, dt.date(2026, 11, 24)).windows == ()
    assert open_windows(make_community(), dt.date(2026, 11, 24)).windows == EVENING


def test_an_override_wins_over_a_holiday():
    community = make_community()
    DateOverride.objects.create(
        community=community,
        date=dt.date(2026, 10, 1),
        start=dt.time(9),
        end=dt.time(11),
        reason="国庆便民服务活动",
    )
    day = open_windows(community, dt.date(2026, 10, 1))
    assert day.windows == (Window(dt.time(9), dt.time(11)),)
    assert day.kind == DayKind.OVERRIDE and day.note == "国庆便民服务活动"


def test_a_street_office_closure_applies_to_every_community_with_its_reason():
    office = make_street_office()
    DateOverride.objects.create(street_office=office, date=dt.date(2026, 11, 24), reason="台风")
    first, second = make_community(office), make_community(office)
    for community in (first, second):
        day = open_windows(community, dt.date(2026, 11, 24))
        assert day.windows == () and day.note == "台风"
    assert open_windows(make_community(), dt.date(2026, 11, 24)).windows == EVENING


def test_a_community_override_wins_over_its_street_office_override():
    office = make_street_office()
    community = make_community(office)
    DateOverride.objects.create(street_office=office, date=dt.date(2026, 11, 24), reason="台风")
    DateOverride.objects.create(
        community=community,
        date=dt.date(2026, 11, 24),
        start=dt.time(19),
        end=dt.time(20),
        reason="缩短开放",
    )
    assert open_windows(community, dt.date(2026, 11, 24)).windows == (
        Window(dt.time(19), dt.time(20)),
    )


def test_a_year_without_an_official_arrangement_is_reported():
    assert hours.years_missing_arrangement(dt.date(2026, 11, 24)) == [2027]
    assert hours.years_missing_arrangement(dt.date(2026, 6, 1)) == []


def test_staff_corrections_apply_and_a_confirmed_arrangement_ends_the_provisional_year():
    CalendarDay.objects.create(
        date=dt.date(2027, 2, 20), kind=CalendarDay.Kind.WORKDAY, name="春节调休上班"
    )
    CalendarDay.objects.create(
        date=dt.date(2027, 2, 11), kind=CalendarDay.Kind.HOLIDAY, name="春节"
    )
    assert hours.years_missing_arrangement(dt.date(2026, 11, 24)) == [2027]
    community = make_community()
    assert open_windows(community, dt.date(2027, 2, 20)).provisional
    HolidayArrangement.objects.create(year=2027, confirmed_at=timezone.now())
    assert hours.years_missing_arrangement(dt.date(2026, 11, 24)) == []
    assert not open_windows(community, dt.date(2027, 2, 20)).provisional
    saturday = open_windows(community, dt.date(2027, 2, 20))
    assert saturday.kind == DayKind.WORKING_WEEKEND and saturday.windows == EVENING
    assert saturday.note == "春节调休上班"
    thursday = open_windows(community, dt.date(2027, 2, 11))
    assert thursday.kind == DayKind.HOLIDAY and thursday.windows == ()


def test_a_correction_can_cancel_a_library_holiday():
    CalendarDay.objects.create(
        date=dt.date(2026, 10, 1), kind=CalendarDay.Kind.WORKDAY, name="更正"
    )
    assert open_windows(make_community(), dt.date(2026, 10, 1)).windows == EVENING


def test_hours_for_many_communities_cost_three_queries(django_assert_num_queries):
    communities = [make_community() for _ in range(6)]
    with django_assert_num_queries(3):
        opening = hours.OpeningHours(communities, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        for community in communities:
            list(opening.days(community))


def test_a_day_outside_the_loaded_range_is_refused():
    community = make_community()
    opening = hours.OpeningHours([community], dt.date(2026, 11, 1), dt.date(2026, 11, 2))
    with pytest.raises(ValueError, match="outside"):
        opening.day(community, dt.date(2026, 11, 3))


def test_the_weekly_pattern_as_openstreetmap_opening_hours():
    assert (
        hours.osm_opening_hours(hours.DEFAULT_WEEK, HolidayRule.CLOSED)
        == "Mo-Fr 18:00-20:00; Sa,Su 08:00-16:00; PH off"
    )
    community = make_community()
    WeeklyWindow.objects.create(
        community=community, weekday=Weekday.WEDNESDAY, start=dt.time(17), end=dt.time(20)
    )
    week = hours.OpeningHours([community], dt.date(2026, 1, 1), dt.date(2026, 1, 1)).week_of(
        community
    )
    assert hours.osm_opening_hours(week, HolidayRule.CLOSED) == "We 17:00-20:00; PH off"
    assert (
        hours.osm_opening_hours(hours.DEFAULT_WEEK, HolidayRule.WEEKEND_HOURS)
        == "Mo-Fr 18:00-20:00; Sa,Su 08:00-16:00; PH 08:00-16:00"
    )
