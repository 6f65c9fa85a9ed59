import datetime as dt

import pytest
from playwright.sync_api import expect

from desks.models import DateOverride
from tests.browser.conftest import serious_accessibility_problems
from tests.factories import make_community, make_service_item, make_street_office

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def centres():
    office = make_street_office()
    heping = make_community(office, name="和平社区", slug="heping")
    make_community(office, name="光明社区", slug="guangming")
    DateOverride.objects.create(community=heping, date=dt.date(2030, 1, 2), reason="设备检修")
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")
    return heping


def test_a_resident_checks_tonight_on_a_phone(live_server, phone_page, centres):
    phone_page.goto(live_server.url + "/")
    expect(phone_page.locator("h1")).to_have_text("服务中心今晚开放吗？")
    expect(phone_page.locator(".card")).to_have_count(2)
    assert serious_accessibility_problems(phone_page) == []
    # Nothing sticks out sideways on a narrow screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_reads_what_to_bring_on_a_phone(live_server, phone_page, centres):
    phone_page.goto(live_server.url + "/c/heping/")
    expect(phone_page.locator("table.week tbody tr")).to_have_count(7)
    phone_page.get_by_text("居民医保参保登记").click()
    expect(phone_page.get_by_text("户口本原件")).to_be_visible()
    assert serious_accessibility_problems(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_switches_to_english(live_server, phone_page, centres):
    phone_page.goto(live_server.url + "/c/heping/")
    phone_page.get_by_role("link", name="English").click()
    expect(phone_page.locator("h2").first).to_have_text("The next 7 days")
    assert phone_page.url.endswith("/en/c/heping/")


def test_the_strict_csp_blocks_nothing_on_public_pages(live_server, page, centres):
    for path in ("/", "/c/heping/", "/en/"):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
    assert page.console_errors == []
