"""The door poster, printed by Chromium as staff print it: one A4 page, whatever the season."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from desks.hours.door_poster import COMING_LINES
from desks.models import DateOverride
from tests.clock import at
from tests.factories import make_community, make_street_office

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LONG_ADDRESS = (
    "湖北省武汉市江岸区二七街道和平大道一千二百三十四号幸福里小区七栋一单元旁党群服务中心一楼大厅"
)


@pytest.fixture
def centre():
    return make_community(
        make_street_office(), name="二七街道幸福里社区", slug="xingfuli", address=LONG_ADDRESS
    )


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def print_poster(page, url: str) -> bytes:
    page.goto(url)
    expect(page.locator(".poster h1")).to_be_visible()
    return page.pdf(format="A4")


def test_spring_festival_and_a_closure_fit_on_one_a4_page(live_server, page, clock, centre):
    # The week before the 2026 Spring Festival: a working Saturday, the nine-day block,
    # another working Saturday, Qingming, and the centre's own closure and event.
    clock.run_from(at(2026, 2, 9, 10))
    DateOverride.objects.create(
        community=centre, date=dt.date(2026, 3, 3), reason="元宵节社区活动，全体社工外出"
    )
    DateOverride.objects.create(
        community=centre,
        date=dt.date(2026, 3, 7),
        start=dt.time(9),
        end=dt.time(12),
        reason="学雷锋志愿服务日",
    )
    pdf = print_poster(page, f"{live_server.url}/c/xingfuli/poster/")
    page.screenshot(path="/tmp/poster.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/poster-print.png", full_page=True)
    assert pages_in(pdf) == 1
    expect(page.locator(".poster-coming li")).to_have_count(5)
    expect(page.locator(".poster-contact")).to_contain_text(LONG_ADDRESS)
    expect(page.locator(".poster-qr svg.qr")).to_be_visible()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    assert page.console_errors == []


def test_a_full_poster_of_a_provisional_season_still_fits(live_server, page, clock, centre):
    # Late December 2026: 2027 is provisional (a notice), and every line for the days
    # ahead is taken, with long reasons.
    clock.run_from(at(2026, 12, 28, 10))
    for week in range(COMING_LINES + 2):
        DateOverride.objects.create(
            community=centre,
            date=dt.date(2027, 1, 6) + dt.timedelta(weeks=week),
            reason="街道集中学习培训，社工全员参加，当晚暂停延时服务，敬请谅解",
        )
    pdf = print_poster(page, f"{live_server.url}/c/xingfuli/poster/")
    assert pages_in(pdf) == 1
    expect(page.locator(".provisional-notice")).to_have_count(1)
    page.screenshot(path="/tmp/poster-full.png", full_page=True)
