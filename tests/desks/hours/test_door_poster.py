import datetime as dt
import re

import pytest
from django.utils import timezone

from desks.hours.door_poster import COMING_LINES, door_poster
from desks.models import DateOverride, HolidayArrangement
from tests.clock import at
from tests.factories import make_community, make_street_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    return make_community(
        make_street_office(), name="和平社区", slug="heping", address="和平路1号", phone="83456789"
    )


def lines(body: str, css_class: str) -> list[str]:
    """The text of each <li>/<tr> in the element of `css_class`, whitespace squeezed."""
    block = re.search(rf'class="{css_class}">(.*?)</(?:ul|table)>', body, re.S)
    rows = re.findall(r"<(?:li|tr)[^>]*>(.*?)</(?:li|tr)>", block.group(1), re.S) if block else []
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_it_shows_this_weeks_hours_monday_to_sunday(client, clock, centre):
    clock.stop_at(at(2026, 11, 25, 10))  # a Wednesday
    DateOverride.objects.create(community=centre, date=dt.date(2026, 11, 26), reason="社区活动")
    body = client.get("/c/heping/poster/").text
    week = lines(body, "poster-week")
    assert len(week) == 7
    assert week[0].startswith("星期一 11月23日") and "18:00–20:00" in week[0]
    assert "社区活动" in week[3] and "18:00" not in week[3]
    assert week[5].startswith("星期六 11月28日") and "08:00–16:00" in week[5]
    assert week[6].startswith("星期日 11月29日")


def test_it_shows_the_address_the_phone_and_a_qr_code_to_the_community_page(client, clock, centre):
    clock.stop_at(at(2026, 11, 25, 10))
    body = client.get("/c/heping/poster/").text
    assert "和平社区" in body and "和平路1号" in body and "83456789" in body
    assert body.count('class="qr"') == 1 and "<svg" in body
    assert "http://testserver/c/heping/" in body
    assert (
        "Scan to see whether we are open tonight and what to bring"
        in client.get("/en/c/heping/poster/").text
    )


def test_the_qr_code_of_the_english_poster_leads_to_the_chinese_page(client, clock, centre):
    clock.stop_at(at(2026, 11, 25, 10))
    body = client.get("/en/c/heping/poster/").text
    assert "http://testserver/c/heping/" in body
    assert "testserver/en/c/heping/" not in body
    assert "Extended-hours service times" in body and "This week" in body


def test_a_holiday_block_is_one_line_however_its_days_are_named(client, clock, centre):
    # 2026's Spring Festival: 15–23 February off (春节, 农历除夕, two 休息日 swapped days),
    # with the Saturdays 14 and 28 February worked in exchange.
    clock.stop_at(at(2026, 2, 9, 10))
    coming = lines(client.get("/c/heping/poster/").text, "poster-coming")
    assert [line.split(" 闭馆")[0].split(" Closed")[0] for line in coming] == [
        "春节 2月15日–2月23日",
        "调休上班日 2月28日 星期六 18:00–20:00",
        "清明节 4月4日–4月6日",
    ]
    english = lines(client.get("/en/c/heping/poster/").text, "poster-coming")
    assert english[0] == "Chinese New Year (Spring Festival) February 15–February 23 Closed"
    assert english[2] == "Tomb-Sweeping Day April 4–April 6 Closed"


def test_a_holiday_block_begun_this_week_is_shown_in_full(client, clock, centre):
    clock.stop_at(at(2026, 2, 12, 10))  # Thursday; the block starts on Sunday the 15th
    body = client.get("/c/heping/poster/").text
    assert lines(body, "poster-coming")[0].startswith("春节 2月15日–2月23日")
    assert "春节" in lines(body, "poster-week")[6]


def test_a_block_over_by_sunday_is_only_in_the_week(client, clock, centre):
    clock.stop_at(at(2026, 10, 5, 10))  # Monday: National Day ends on Wednesday the 7th
    body = client.get("/c/heping/poster/").text
    assert "国庆节" in lines(body, "poster-week")[0]
    assert not any("国庆节" in line for line in lines(body, "poster-coming"))


def test_it_lists_closures_and_changed_hours_ahead(client, clock, centre):
    clock.stop_at(at(2026, 11, 25, 10))
    for day in (7, 8):
        DateOverride.objects.create(
            street_office=centre.street_office, date=dt.date(2026, 12, day), reason="线路检修"
        )
    DateOverride.objects.create(
        community=centre,
        date=dt.date(2026, 12, 12),
        start=dt.time(9),
        end=dt.time(11, 30),
        reason="社区活动日",
    )
    coming = lines(client.get("/en/c/heping/poster/").text, "poster-coming")
    assert coming[:2] == [
        "线路检修 December 7–December 8 Closed",
        "社区活动日 December 12 Saturday 09:00–11:30",
    ]


def test_it_gives_the_coming_days_a_fixed_number_of_lines(client, clock, centre):
    clock.stop_at(at(2026, 11, 25, 10))
    for week in range(COMING_LINES + 2):
        DateOverride.objects.create(
            community=centre, date=dt.date(2026, 12, 1) + dt.timedelta(weeks=week), reason="学习"
        )
    body = client.get("/en/c/heping/poster/").text
    coming = lines(body, "poster-coming")
    assert len(coming) == COMING_LINES + 1
    assert coming[-1] == "More changes ahead: scan the code."


def test_provisional_days_are_marked_until_the_year_is_confirmed(client, clock, centre):
    # Late December 2026: New Year's Day 2027 is this week, Spring Festival 2027 ahead,
    # and nobody has published 2027's arrangement yet.
    clock.stop_at(at(2026, 12, 28, 10))
    body = client.get("/en/c/heping/poster/").text
    notice = (
        "Provisional: the State Council has not yet published the 2027 holiday arrangement; "
        "holiday hours may change."
    )
    assert notice in body
    week = lines(body, "poster-week")
    assert "provisional" not in week[3]  # Thursday 31 December 2026
    assert "provisional" not in week[4]  # Friday 1 January 2027: the law's own day off
    assert "provisional" in week[5]  # Saturday 2 January 2027: a guess until the notice
    assert any("provisional" in line for line in lines(body, "poster-coming"))

    HolidayArrangement.objects.create(year=2027, confirmed_at=timezone.now())
    body = client.get("/en/c/heping/poster/").text
    assert "Provisional:" not in body and 'class="tag provisional"' not in body


def test_a_year_already_official_is_not_marked(client, clock, centre):
    clock.stop_at(at(2026, 9, 28, 10))
    body = client.get("/en/c/heping/poster/").text
    assert "Provisional" not in body and 'class="tag provisional"' not in body


def test_the_community_page_links_its_poster(client, centre):
    assert 'href="/c/heping/poster/"' in client.get("/c/heping/").text


def test_it_has_a_print_button_and_a_print_stylesheet(client, centre):
    body = client.get("/c/heping/poster/").text
    assert re.search(r'class="no-print poster-actions">\s*<button[^>]*data-print', body)
    assert "/static/css/poster.css" in body and "/static/js/desk.js" in body


def test_its_queries_do_not_grow_with_the_days_it_shows(
    client, clock, centre, django_assert_num_queries
):
    clock.stop_at(at(2026, 11, 25, 10))
    with django_assert_num_queries(5) as few:
        client.get("/c/heping/poster/")
    for day in range(20):
        DateOverride.objects.create(
            community=centre, date=dt.date(2026, 12, 1) + dt.timedelta(days=day), reason="装修"
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/c/heping/poster/")


def test_an_unknown_community_has_no_poster(client):
    response = client.get("/c/nowhere/poster/")
    assert response.status_code == 404
    assert 'class="site-header"' in response.text and "页面未找到" in response.text


def test_the_poster_refuses_post(client, centre):
    assert client.post("/c/heping/poster/").status_code == 405


def test_the_week_starts_on_monday_whatever_the_day(centre):
    for today in (dt.date(2026, 11, 23), dt.date(2026, 11, 29)):
        poster = door_poster(centre, today)
        assert [day.date for day in poster.week] == [
            dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(7)
        ]
