"""Every public form marks the dates of a year whose holiday arrangement is not yet official.

Frozen in late 2026: the `holidays` library knows 2026's arrangement (the State Council's
notice) but not 2027's, so January and February 2027 are provisional until staff enter it.
"""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from desks import hours
from desks.models import CalendarDay, DateOverride, HolidayArrangement
from tests.clock import at
from tests.factories import make_community

pytestmark = pytest.mark.django_db

NOTICE_2027 = (
    "Provisional: the State Council has not yet published the 2027 holiday arrangement; "
    "holiday hours may change."
)
TAG = 'class="tag provisional"'


@pytest.fixture
def centre(db):
    return make_community(slug="heping")


def confirm_2027():
    HolidayArrangement.objects.create(year=2027, confirmed_at=timezone.now())


def special_hours(body: str) -> dict[str, dict]:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    data = json.loads(block.group(1))
    return {spec["validFrom"]: spec for spec in data["specialOpeningHoursSpecification"]}


# The community page: a notice above the week, a tag on each provisional day.


def test_the_community_page_marks_the_days_of_2027(client, clock, centre):
    clock.stop_at(at(2026, 12, 29, 10))  # Tuesday: the week runs to Monday 4 January 2027
    body = client.get("/en/c/heping/").text
    assert body.count(NOTICE_2027) == 1
    rows = re.findall(r"<tr class=\"(?:open|closed)[^\"]*\">(.*?)</tr>", body, re.S)
    # New Year's Day is a day off by law; the weekend after it and Monday are guesses.
    assert [TAG in row for row in rows] == [False, False, False, False, True, True, True]


def test_the_community_page_marks_nothing_in_an_official_year(client, clock, centre):
    clock.stop_at(at(2026, 9, 28, 10))  # National Day week, from the 2026 notice
    body = client.get("/en/c/heping/").text
    assert "Provisional" not in body and TAG not in body


def test_a_confirmed_arrangement_ends_the_marking(client, clock, centre):
    clock.stop_at(at(2026, 12, 29, 10))
    confirm_2027()
    body = client.get("/en/c/heping/").text
    assert "Provisional" not in body and TAG not in body


def test_an_override_is_not_provisional(client, clock, centre):
    # Staff set these hours for that very date: they are not a guess.
    clock.stop_at(at(2026, 12, 29, 10))
    DateOverride.objects.create(community=centre, date=dt.date(2027, 1, 2), reason="社区活动")
    body = client.get("/en/c/heping/").text
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*社区活动.*?</tr>", body, re.S).group(0)
    assert TAG not in row


# The home page: the day shown, and the next opening it names.


def test_the_home_page_marks_a_provisional_day(client, clock, centre):
    clock.stop_at(at(2026, 11, 24, 10))
    body = client.get("/en/", {"date": "2027-01-04"}).text
    assert NOTICE_2027 in body and TAG in body
    body = client.get("/en/", {"date": "2026-10-01"}).text
    assert "Provisional" not in body and TAG not in body


def test_the_home_page_marks_a_next_opening_in_a_provisional_year(client, clock, centre):
    # New Year's Eve after closing: 1 January 2027 is a holiday and the weekend after it
    # part of its block, so the next opening is Monday 4 January, provisionally.
    clock.stop_at(at(2026, 12, 31, 21))
    body = client.get("/en/").text
    assert "Next open: Monday January 4, 18:00–20:00" in body
    assert NOTICE_2027 in body and body.count(TAG) == 1


# The JSON says it on each item.


def test_the_json_says_provisional_on_each_item(client, centre):
    make_community()
    items = client.get("/api/hours/", {"date": "2027-02-09"}).json()["communities"]
    assert [item["provisional"] for item in items] == [True, True]
    items = client.get("/api/hours/", {"date": "2027-02-08"}).json()["communities"]
    assert [item["provisional"] for item in items] == [False, False]  # 春节, by law
    items = client.get("/api/hours/", {"date": "2026-02-16"}).json()["communities"]
    assert [item["provisional"] for item in items] == [False, False]
    confirm_2027()
    items = client.get("/api/hours/", {"date": "2027-02-09"}).json()["communities"]
    assert [item["provisional"] for item in items] == [False, False]


# The calendar feed: tentative events, said so in their summary and description.


def events_by_day(client, path="/en/c/heping/hours.ics"):
    calendar = Calendar.from_ical(client.get(path).content)
    return {event.decoded("dtstart").date(): event for event in calendar.walk("VEVENT")}


def test_the_feed_marks_events_of_2027_tentative(client, clock, centre):
    clock.stop_at(at(2026, 12, 20, 10))
    events = events_by_day(client)
    january = events[dt.date(2027, 1, 4)]
    assert january["status"] == "TENTATIVE"
    assert "(provisional)" in str(january["summary"])
    assert str(january["description"]) == NOTICE_2027
    december = events[dt.date(2026, 12, 21)]
    assert "status" not in december and "provisional" not in str(december["summary"])
    assert "description" not in december


def test_the_feed_is_firm_once_2027_is_confirmed(client, clock, centre):
    clock.stop_at(at(2026, 12, 20, 10))
    confirm_2027()
    events = events_by_day(client)
    assert "status" not in events[dt.date(2027, 1, 4)]
    assert all("provisional" not in str(event["summary"]) for event in events.values())


# JSON-LD: no special hours stated as fact for a provisional date.


def test_json_ld_states_no_special_hours_for_a_provisional_date(client, clock, centre):
    clock.stop_at(at(2026, 12, 20, 10))
    DateOverride.objects.create(community=centre, date=dt.date(2026, 12, 24), reason="停电")
    special = special_hours(client.get("/c/heping/").text)
    assert "2026-12-24" in special
    # New Year's Day is closed by law; the weekend after it only by a guess.
    assert special["2027-01-01"]["opens"] == special["2027-01-01"]["closes"] == "00:00"
    assert "2027-01-02" not in special and "2027-01-03" not in special


def test_json_ld_states_2027_holidays_once_confirmed(client, clock, centre):
    clock.stop_at(at(2026, 12, 20, 10))
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    confirm_2027()
    special = special_hours(client.get("/c/heping/").text)
    assert special["2027-01-01"]["opens"] == special["2027-01-01"]["closes"] == "00:00"
    assert special["2027-01-01"]["description"] == "元旦"


# The National Day block of 2026: its Sunday is part of it (issue 14).


def test_the_next_opening_after_national_day_is_the_evening_of_the_8th(centre):
    opening = hours.OpeningHours([centre], dt.date(2026, 10, 1), dt.date(2026, 10, 15))
    day, window = opening.next_opening(centre, at(2026, 10, 1))
    assert window.bounds(day.date)[0] == at(2026, 10, 8, 18)
    assert opening.day(centre, dt.date(2026, 10, 4)).note == "国庆节"


@pytest.mark.parametrize(
    "path, next_open, not_sunday",
    [
        ("/en/", "Next open: Thursday October 8, 18:00–20:00", "Sunday October 4"),
        ("/", "下次开放：10月8日 星期四 18:00–20:00", "10月4日 星期日"),
    ],
)
def test_the_home_page_on_national_day_names_the_8th(client, centre, path, next_open, not_sunday):
    body = client.get(path, {"date": "2026-10-01"}).text
    assert next_open in body
    assert not_sunday not in body
