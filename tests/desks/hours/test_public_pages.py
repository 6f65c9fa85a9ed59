import datetime as dt
import json
import re

import pytest

from desks.models import DateOverride
from desks.views.public import HOME_PAGE_SIZE
from tests.clock import at
from tests.factories import (
    make_community,
    make_resident,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuesday_evening(clock):
    clock.stop_at(at(2026, 11, 24, 18, 30))


@pytest.fixture
def tuesday_afternoon(clock):
    clock.stop_at(at(2026, 11, 24, 15))


def test_home_says_open_now_until_closing(client, tuesday_evening):
    make_community(name="和平社区")
    body = client.get("/").text
    assert "和平社区" in body
    assert "正在开放" in body and "20:00" in body


def test_home_says_when_it_opens_later_today(client, tuesday_afternoon):
    make_community()
    assert "今天 18:00 开放" in client.get("/").text


def test_home_says_why_a_centre_is_closed_and_when_it_opens_next(client, tuesday_afternoon):
    office = make_street_office()
    make_community(office)
    DateOverride.objects.create(
        street_office=office, date=dt.date(2026, 11, 24), reason="台风停止开放"
    )
    body = client.get("/").text
    assert "今天不开放" in body and "台风停止开放" in body
    assert "11月25日" in body  # the next opening


def test_home_shows_any_day_with_links_to_the_days_around_it(client, tuesday_afternoon):
    make_community()
    body = client.get("/?date=2026-10-01").text
    assert "国庆节" in body
    assert 'href="?date=2026-09-30"' in body and 'href="?date=2026-10-02"' in body


@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-13-01", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        ("2026-02-30", "YYYY-MM-DD"),
        ("1999-12-31", "2000-01-01"),
        ("2026-W48-2", "YYYY-MM-DD"),
    ],
)
def test_home_answers_a_bad_date_with_400_and_a_message(client, value, message):
    response = client.get("/", {"date": value})
    assert response.status_code == 400
    assert message in response.text


def test_home_costs_the_same_queries_for_two_or_twenty_communities(
    client, django_assert_num_queries, tuesday_afternoon
):
    office = make_street_office()
    for _ in range(2):
        make_community(office)
    with django_assert_num_queries(4) as few:
        client.get("/")
    for _ in range(18):
        make_community(office)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/")


def test_public_pages_read_no_session_so_they_can_be_cached(client, tuesday_afternoon):
    community = make_community()
    for path in ("/", community.get_absolute_url(), "/api/hours/"):
        response = client.get(path)
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "public" in response.headers["Cache-Control"]
        assert not response.cookies


def test_the_community_page_shows_a_week_of_hours(client, tuesday_afternoon):
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 26), reason="社区活动")
    body = client.get(community.get_absolute_url()).text
    assert community.address in body and community.phone in body
    assert body.count("18:00–20:00") >= 3
    assert "08:00–16:00" in body
    assert "社区活动" in body


def test_the_community_page_carries_schema_org_hours(client, tuesday_afternoon):
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 26), reason="社区活动")
    body = client.get(community.get_absolute_url()).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "GovernmentOffice"
    assert {spec["@type"] for spec in data["openingHoursSpecification"]} == {
        "OpeningHoursSpecification"
    }
    assert len(data["openingHoursSpecification"]) == 7
    special = {spec["validFrom"]: spec for spec in data["specialOpeningHoursSpecification"]}
    assert special["2026-11-26"]["opens"] == special["2026-11-26"]["closes"] == "00:00"
    assert "Mo-Fr 18:00-20:00; Sa,Su 08:00-16:00; PH off" in body


def test_a_name_cannot_break_out_of_the_json_ld(client, tuesday_afternoon):
    community = make_community(name="</script><script>alert(1)</script>")
    body = client.get(community.get_absolute_url()).text
    assert "<script>alert(1)" not in body


def test_public_pages_carry_no_personal_data(client, tuesday_afternoon):
    community = make_community()
    resident = make_resident(community, name="张秘密", phone="13912345678")
    worker = make_user(community=community, last_name="李", first_name="值班")
    for path in (
        "/",
        community.get_absolute_url(),
        "/api/hours/",
        f"/c/{community.slug}/hours.ics",
    ):
        text = client.get(path).content.decode()
        for secret in (resident.name, resident.phone, worker.display_name, worker.username):
            assert secret not in text


def test_english_pages_live_under_en(client, tuesday_afternoon):
    make_community()
    response = client.get("/en/")
    assert '<html lang="en">' in response.text
    assert "Opens at 18:00 today" in response.text
    assert 'href="/"' in response.text  # the way back to Chinese


def test_an_unknown_community_is_a_404(client):
    assert client.get("/c/nowhere/").status_code == 404
    assert client.get("/c/nowhere/hours.ics").status_code == 404


def test_public_pages_refuse_post(client):
    community = make_community()
    assert client.post("/").status_code == 405
    assert client.post(community.get_absolute_url()).status_code == 405


def test_home_shows_a_city_a_page_at_a_time(client, tuesday_afternoon):
    office = make_street_office()
    for n in range(HOME_PAGE_SIZE + 1):
        make_community(office, name=f"社区{n:03d}")
    first = client.get("/").text
    assert "社区000" in first and f"社区{HOME_PAGE_SIZE:03d}" not in first
    assert 'href="?page=2"' in first
    second = client.get("/?page=2").text
    assert f"社区{HOME_PAGE_SIZE:03d}" in second and "社区000" not in second
    assert 'href="?page=1"' in second and 'href="?page=3"' not in second


def test_each_card_links_its_centre_in_the_language_of_the_page(client, tuesday_afternoon):
    office = make_street_office()
    make_community(office, name="和平社区", slug="heping")
    make_community(office, name="光明社区", slug="guangming")
    assert '<a href="/c/heping/">和平社区</a>' in client.get("/").text
    assert '<a href="/en/c/guangming/">光明社区</a>' in client.get("/en/").text


def test_home_shows_one_street_office_when_asked(client, tuesday_afternoon):
    make_community(make_street_office(slug="donghu"), name="和平社区")
    make_community(make_street_office(slug="xihu"), name="光明社区")
    body = client.get("/?office=donghu").text
    assert "和平社区" in body and "光明社区" not in body
    assert 'href="?office=xihu"' in client.get("/").text


def test_a_card_escapes_what_staff_typed(client, tuesday_afternoon):
    office = make_street_office(name="东湖<b>街道</b>")
    make_community(office, name='和平<script>"社区"', address="解放路1号 'A'&B", phone="83456789")
    body = client.get("/").text
    assert "<script>" not in body and "<b>" not in body
    assert "和平&lt;script&gt;&quot;社区&quot;" in body
    assert "解放路1号 &#x27;A&#x27;&amp;B" in body
    assert "东湖&lt;b&gt;街道&lt;/b&gt;" in body


def test_a_card_is_coloured_by_whether_it_is_open_now_later_or_not_at_all(client, clock):
    office = make_street_office()
    make_community(office, slug="plain")
    closed = make_community(office, slug="closed")
    DateOverride.objects.create(community=closed, date=dt.date(2026, 11, 24), reason="停电")

    def states(path="/"):
        cards = re.findall(
            r'<li class="card status-(\w+)">\s*<h2><a href="/c/([^/]+)/".*?class="state (\w+)"',
            client.get(path).text,
            re.S,
        )
        # The card's colour and its line's are one answer (Status.state).
        assert [state for state, _slug, _line in cards] == [line for *_card, line in cards]
        return {slug: state for state, slug, _line in cards}

    clock.stop_at(at(2026, 11, 24, 15))
    assert states() == {"plain": "later", "closed": "closed"}
    clock.stop_at(at(2026, 11, 24, 18, 30))
    assert states() == {"plain": "open", "closed": "closed"}
    # After the last window the line says "closed for today", and so does the colour.
    clock.stop_at(at(2026, 11, 24, 20, 30))
    assert states() == {"plain": "closed", "closed": "closed"}
    assert "今天已结束" in client.get("/").text
    assert '<strong class="state closed">今天已结束</strong>' in client.get("/c/plain/").text
    # Another day's page says what that day holds, never "open now".
    clock.stop_at(at(2026, 11, 23, 18, 30))
    assert states("/?date=2026-11-24") == {"plain": "later", "closed": "closed"}


def test_another_days_cards_link_their_office_on_that_day(client, tuesday_afternoon):
    make_community(make_street_office(slug="donghu"))
    assert 'href="?office=donghu&amp;date=2026-11-30"' in client.get("/?date=2026-11-30").text
    assert 'href="?office=donghu"' in client.get("/").text


def test_a_centre_closed_for_weeks_says_how_far_its_page_looked_ahead(client, tuesday_afternoon):
    # The community page searches 60 days ahead, the home page 14: each says its own horizon
    # (the community page used to say "two weeks" after searching sixty days).
    office = make_street_office()
    centre = make_community(office)
    for n in range(61):
        DateOverride.objects.create(
            street_office=office, date=dt.date(2026, 11, 24) + dt.timedelta(days=n), reason="装修"
        )
    assert "未来 60 天内不开放" in client.get(f"/c/{centre.slug}/").text
    assert "未来 14 天内不开放" in client.get("/").text


def test_a_page_number_in_unicode_digits_shows_the_first_page(client):
    make_community(name="和平社区")
    response = client.get("/", {"page": "²"})
    assert response.status_code == 200
    assert "和平社区" in response.text


def test_the_home_page_lists_every_community(client):
    first, second = make_community(name="和平社区"), make_community(name="光明社区")
    body = client.get("/").text
    assert first.name in body and second.name in body


def test_the_home_page_speaks_chinese_by_default(client):
    body = client.get("/").text
    assert '<html lang="zh-hans">' in body
    assert "延时服务" in body


def test_english_is_one_link_away(client):
    body = client.get("/").text
    assert '<a href="/en/" hreflang="en" lang="en">English</a>' in body
    response = client.get("/en/")
    assert '<html lang="en">' in response.text
    assert "Extended-hours service" in response.text


def test_the_community_page_shows_what_to_bring(client):
    community = make_community()
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")
    make_service_item(name="党员组织关系转接", offered_in_extended_hours=False)
    body = client.get(community.get_absolute_url()).text
    assert "居民医保参保登记" in body and "户口本原件" in body
    assert "党员组织关系转接" not in body
