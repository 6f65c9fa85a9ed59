"""Bookings in a real browser: a resident books on a phone, gets a code and cancels; the desk
sees the booking, taps 到了 and logs it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from desks.booking import bookings
from desks.models import Booking, Role, ServiceItem
from tests.browser.conftest import serious_accessibility_problems
from tests.clock import at
from tests.desks.booking.conftest import staff
from tests.factories import make_community, make_service_item, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def heping(clock):
    clock.run_from(at(2026, 11, 24, 10))
    community = make_community(name="和平社区", slug="heping")
    workers = [make_user(community=community, username=f"heping-{n}") for n in (1, 2)]
    head = make_user(Role.HEAD, community=community, username="heping-head")
    staff(community, dt.date(2026, 11, 24), dt.date(2026, 12, 7), workers, head)
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件", bookable=True)
    make_service_item(name="测血压", materials="")
    return community


def test_a_resident_books_on_a_phone_gets_a_code_and_cancels(live_server, phone_page, heping):
    page = phone_page
    page.goto(f"{live_server.url}/c/heping/")
    page.locator(".book-link a").click()
    page.locator(".book-choices a", has_text="居民医保参保登记").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator('.book-choices a[href*="window=2026-11-25T18:00"]').click()
    expect(page.locator(".book-materials")).to_contain_text("户口本原件")
    page.locator("input[name=name]").fill("张秀英")
    page.locator("input[name=phone]").fill("13912345678")
    page.locator("input[name=consent]").check()
    assert serious_accessibility_problems(page) == []
    page.locator("form.voice-form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/b/[^/]+/$"))
    booking = Booking.objects.get()
    expect(page.locator(".book-code")).to_have_text(booking.code)
    assert "13912345678" not in page.content() and "13912345678" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_accessibility_problems(page) == []
    # The tap target is large enough for a thumb.
    cancel = page.locator("button.book-cancel")
    assert cancel.bounding_box()["height"] >= 44

    cancel.click()
    expect(page.locator("button.book-cancel")).to_have_count(0)
    booking.refresh_from_db()
    assert booking.cancelled_at is not None


def test_the_desk_sees_the_booking_taps_arrived_and_logs_it(
    live_server, page, log_in, heping, clock
):
    item = ServiceItem.objects.get(name="居民医保参保登记")
    booked = bookings.book(
        heping,
        item,
        at(2026, 11, 24, 18),
        name="张秀英",
        phone="13912345678",
        now=at(2026, 11, 24, 10),
    ).booking
    clock.run_from(at(2026, 11, 24, 18, 5))
    log_in(page, "heping-1")
    row = page.locator(f"#booking-{booked.pk}")
    expect(row).to_contain_text(booked.code)
    expect(row).to_contain_text("139****5678")

    row.locator("button[type=submit]").click()
    expect(page.locator("#guide h3")).to_contain_text("居民医保参保登记")
    expect(page.locator(f'#item-results input[value="{item.pk}"]')).to_be_checked()
    expect(page.locator("#resident-results input[name=resident]:checked")).not_to_have_value("")
    expect(page.locator(f"#booking-{booked.pk}")).to_have_class(re.compile("status-arrived"))

    page.locator("#log-save").click()
    expect(page.locator("#tonight-count")).to_have_text("1")
    booked.refresh_from_db()
    assert booked.request is not None
    assert booked.request.resident.phone == "13912345678"
    assert page.console_errors == []
