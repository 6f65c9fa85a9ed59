"""The walk-in queue in real browsers: a resident's phone, the desk, the TV by the door.

English pages (/en/…): the assertions hold whatever the new messages' translations say.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from desks.booking import queue
from desks.models import QueueTicket, ServiceRequest, TicketStatus
from tests.browser.conftest import serious_accessibility_problems
from tests.clock import at
from tests.factories import make_community, make_service_item, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OPEN = at(2026, 11, 24, 19, 0)


@pytest.fixture
def heping(clock, monkeypatch):
    clock.run_from(OPEN)
    # The pages ask again every second instead of every five: the test waits less.
    monkeypatch.setattr(queue, "POLL_SECONDS", 1)
    community = make_community(name="和平社区", slug="heping")
    make_user(community=community, username="worker")
    return community


@pytest.fixture
def tv(browser):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1920, "height": 1080}
    )
    yield context.new_page()
    context.close()


def test_a_resident_sees_the_position_fall_as_the_desk_calls_and_the_tv_shows_the_number(
    live_server, page, phone_page, tv, log_in, heping
):
    item = make_service_item(name="居民医保参保登记")
    make_service_item(name="测血压")
    for _ in range(2):  # two residents took numbers before
        queue.take_number(heping, item, timezone.now())

    # The centre's page (cached) loads how many wait now, and the way to take a number.
    phone_page.goto(f"{live_server.url}/en/c/heping/")
    expect(phone_page.locator("#queue-waiting")).to_contain_text("2 waiting now")
    phone_page.locator("#queue-waiting").get_by_role("link", name="Take a number").click()
    phone_page.get_by_label("居民医保参保登记").check()
    phone_page.get_by_role("button", name="Take a number").click()
    expect(phone_page.locator(".ticket-number")).to_have_text("A003")
    expect(phone_page.locator(".ahead")).to_have_text("2")
    assert serious_accessibility_problems(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    tv.goto(f"{live_server.url}/en/c/heping/queue/screen/")
    expect(tv.locator(".board-number")).to_have_text("—")

    log_in(page, "worker", next="/en/desk/")
    call = page.get_by_role("button", name="Call the next")
    expect(call).to_be_visible()
    assert serious_accessibility_problems(page) == []
    call.click()
    expect(page.locator(".queue-message")).to_contain_text("Calling A001")
    expect(phone_page.locator(".ahead")).to_have_text("1")
    expect(tv.locator(".board-number")).to_have_text("A001")

    page.get_by_role("button", name="Call the next").click()
    expect(phone_page.locator("#ticket-status")).to_contain_text("You are next.")

    page.get_by_label("Counter").select_option("2")
    page.get_by_role("button", name="Call the next").click()
    expect(phone_page.locator(".ticket-called")).to_contain_text("Your number is called!")
    expect(phone_page.locator(".ticket-called")).to_contain_text("counter 2")
    expect(tv.locator(".board-number")).to_have_text("A003")
    expect(tv.locator(".board-counter")).to_have_text("Counter 2")
    assert serious_accessibility_problems(tv) == []
    # Whole on the 1920×1080 screen (retried: the board is swapped at each poll).
    expect(tv.locator(".board-number")).to_be_in_viewport(ratio=1)
    assert "居民医保" not in tv.content()  # numbers only on the TV

    # The log form holds the called matter; saving it serves the ticket.
    expect(page.locator("#item-results input[name=service_item]:checked")).to_have_value(
        str(item.pk)
    )
    expect(page.get_by_label("Saving the log form serves A003")).to_be_checked()
    page.locator("#log-save").click()
    expect(phone_page.locator("#ticket-status")).to_contain_text("Served")
    # A001 and A002, called before, are still at the desk: the form now serves A002.
    expect(page.get_by_label("Saving the log form serves A002")).to_be_checked()
    served = QueueTicket.objects.get(number=3)
    assert served.status == TicketStatus.SERVED
    assert served.request == ServiceRequest.objects.get()
    assert page.console_errors == []


def test_a_closed_centre_says_when_numbers_are_given(live_server, phone_page, clock):
    clock.run_from(at(2026, 11, 24, 15, 0))
    make_community(name="和平社区", slug="heping")
    make_service_item(name="测血压")

    phone_page.goto(f"{live_server.url}/en/c/heping/queue/")

    expect(phone_page.get_by_role("alert")).to_contain_text("18:00")
    expect(phone_page.get_by_role("button", name="Take a number")).to_have_count(0)
    assert serious_accessibility_problems(phone_page) == []
