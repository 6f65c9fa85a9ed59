"""The public answers for many communities at once: the same answers, at a fixed number of
queries, whether the hours are read owner by owner or for every owner at once."""

import dataclasses
import datetime as dt
import re

import pytest

from desks.hours import opening
from desks.models import Community, DateOverride, HolidayRule, WeeklyWindow
from tests.clock import at
from tests.factories import make_community, make_street_office

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def city():
    """Four communities whose hours come from four different places."""
    plain_office = make_street_office()
    typhoon_office = make_street_office(holiday_rule=HolidayRule.WEEKEND_HOURS)
    plain = make_community(plain_office, slug="plain")
    own_week = make_community(plain_office, slug="own-week")
    WeeklyWindow.objects.create(community=own_week, weekday=1, start="09:00", end="11:00")
    by_office = make_community(typhoon_office, slug="by-office")
    DateOverride.objects.create(street_office=typhoon_office, date=TUESDAY, reason="台风")
    own_closure = make_community(plain_office, slug="own-closure")
    DateOverride.objects.create(community=own_closure, date=TUESDAY, reason="停电")
    return [plain, own_week, by_office, own_closure]


def answers(communities, first=TUESDAY, last=TUESDAY):
    hours = opening.OpeningHours(communities, first, last)
    return {
        community.slug: [(day.windows, day.kind, day.note) for day in hours.days(community)]
        for community in communities
    }


def test_every_owner_read_at_once_gives_the_answers_of_each_owner_named(city, monkeypatch):
    named = answers(city, TUESDAY, TUESDAY + dt.timedelta(days=10))
    monkeypatch.setattr(opening, "NAMED_OWNERS_MAX", 1)
    assert answers(city, TUESDAY, TUESDAY + dt.timedelta(days=10)) == named
    assert named["plain"][0][0] == (opening.Window(dt.time(18), dt.time(20)),)
    assert named["own-week"][0][0] == (opening.Window(dt.time(9), dt.time(11)),)
    assert named["by-office"][0][1:] == (opening.DayKind.OVERRIDE, "台风")
    assert named["own-closure"][0][1:] == (opening.DayKind.OVERRIDE, "停电")


def test_answers_worked_out_once_per_office_are_each_communitys_own(city, monkeypatch):
    twin = make_community(city[0].street_office, slug="plain-twin")
    communities = opening.centres(Community.objects.all())
    for named_owners_max in (opening.NAMED_OWNERS_MAX, 1):
        monkeypatch.setattr(opening, "NAMED_OWNERS_MAX", named_owners_max)
        hours = opening.OpeningHours(communities, TUESDAY, TUESDAY)
        answers = hours.days_as_json(communities, TUESDAY)
        assert answers == [hours.day(community, TUESDAY).as_json() for community in communities]
        by_slug = {answer["slug"]: answer for answer in answers}
        assert by_slug[twin.slug]["windows"] == by_slug["plain"]["windows"]
        assert by_slug["own-week"]["windows"] == [{"start": "09:00", "end": "11:00"}]
        assert by_slug["own-closure"]["note"] == "停电" and by_slug["plain"]["note"] == ""


def test_a_few_communities_do_not_take_the_windows_of_others(city):
    plain, own_week, _office, _closure = city
    hours = opening.OpeningHours([plain], TUESDAY, TUESDAY)
    assert ("c", own_week.pk) not in hours.weeks


def test_centres_are_the_communities_as_values_with_their_office_rules(city):
    centres = opening.centres(Community.objects.all())
    assert [centre.slug for centre in centres] == [
        community.slug for community in Community.objects.all()
    ]
    by_office = next(centre for centre in centres if centre.slug == "by-office")
    assert by_office.street_office.holiday_rule == HolidayRule.WEEKEND_HOURS
    assert answers(centres) == answers(list(Community.objects.select_related("street_office")))


def test_the_api_costs_the_same_queries_for_two_or_two_hundred_communities(
    client, django_assert_num_queries
):
    office = make_street_office()
    for _ in range(2):
        make_community(office)
    with django_assert_num_queries(4) as few:
        client.get("/api/hours/", {"date": "2026-11-24"})
    Community.objects.bulk_create(
        Community(street_office=office, name=f"社区x{n}", slug=f"x-{n}", phone="027-86780000")
        for n in range(opening.NAMED_OWNERS_MAX + 100)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        data = client.get("/api/hours/", {"date": "2026-11-24"}).json()
    assert len(data["communities"]) == opening.NAMED_OWNERS_MAX + 102


def test_a_status_line_is_shared_only_by_communities_that_read_alike(client, clock, city):
    clock.stop_at(at(2026, 11, 24, 15))
    cards = re.findall(r'<li class="card[^"]*">.*?</li>', client.get("/").text, re.S)
    by_slug = {re.search(r'href="/c/([^/]+)/"', card)[1]: card for card in cards}
    assert "今天 18:00 开放" in by_slug["plain"]
    assert "09:00–11:00" in by_slug["own-week"] and "18:00" not in by_slug["own-week"]
    assert "台风" in by_slug["by-office"] and "停电" not in by_slug["by-office"]
    assert "停电" in by_slug["own-closure"] and "台风" not in by_slug["own-closure"]


def test_a_status_shape_leaves_out_only_whose_status_it_is(city):
    plain, own_week, *_ = city
    hours = opening.OpeningHours([plain, own_week], TUESDAY, TUESDAY + dt.timedelta(days=14))
    moment = at(2026, 11, 24, 15)
    twin = make_community(plain.street_office)
    same = opening.OpeningHours([plain, twin], TUESDAY, TUESDAY + dt.timedelta(days=14))
    assert (
        opening.status_at(same, plain, moment).shape == opening.status_at(same, twin, moment).shape
    )
    assert (
        opening.status_at(hours, plain, moment).shape
        != opening.status_at(hours, own_week, moment).shape
    )
    day_fields = {field.name for field in dataclasses.fields(opening.DayHours)}
    assert len(opening.status_at(hours, plain, moment).day.shape) == len(day_fields) - 1
