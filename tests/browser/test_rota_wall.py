"""The rota for the wall, printed by Chromium as the street office prints it: one A4 page
per community's month, whatever the month."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from desks.models import DateOverride, Role
from desks.rota.planning import generate_month
from tests.clock import at
from tests.factories import make_community, make_street_office, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OCTOBER = dt.date(2026, 10, 1)


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.fixture
def two_communities():
    office = make_street_office(name="二七街道")
    staff = make_user(Role.OFFICE, street_office=office, username="office")
    long_name = make_community(office, name="二七街道幸福里社区党群服务中心", slug="xingfuli")
    short_name = make_community(office, name="和平社区", slug="heping")
    for community in (long_name, short_name):
        make_user(
            Role.HEAD, community=community, last_name="欧阳", first_name="晓明", phone="13912345678"
        )
        for n in range(4):
            make_user(community=community, last_name="司马", first_name=f"长名字{n}号")
    # A closure with a long reason, and a day with special hours: still one line a day.
    DateOverride.objects.create(
        community=long_name,
        date=dt.date(2026, 10, 20),
        reason="街道集中学习培训，社工全员参加，当晚暂停延时服务，敬请谅解",
    )
    planned_at = at(2026, 9, 20, 10)
    months = [generate_month(c, OCTOBER, planned_at).rota_month for c in (long_name, short_name)]
    return staff, months


def test_two_communities_print_as_two_a4_pages(live_server, page, clock, log_in, two_communities):
    clock.run_from(at(2026, 9, 28, 9))
    staff, months = two_communities
    log_in(page, staff.username, next="/admin/desks/rotamonth/")
    for rota_month in months:
        page.locator(f'input.action-select[value="{rota_month.pk}"]').check()
    page.locator('select[name="action"]').select_option("print_selected")
    page.locator('button[name="index"]').click()
    page.wait_for_url(re.compile(r"/admin/desks/rotamonth/print/\?id="))
    page.reload()
    expect(page.locator("article.wall-grid")).to_have_count(2)
    expect(page.locator("article.wall-grid").first.locator("tbody tr")).to_have_count(31)
    expect(page.locator(".wall-draft").first).to_be_visible()
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/rota-wall-print.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pages_in(pdf) == 2
    expect(page.locator(".site-header")).to_be_hidden()
    assert page.console_errors == []
