"""The one-time notice (一次性告知单), printed by Chromium as a worker prints it: one A4 page."""

import datetime as dt
import tomllib
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from desks.models import ServiceRequest
from desks.rota.duty import assign, make_slots
from tests.browser.test_poster import LONG_ADDRESS, pages_in
from tests.clock import at
from tests.factories import make_community, make_service_item, make_street_office, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DEMO_CATALOGUE = Path(__file__).parents[2] / "desks" / "demo" / "demo.toml"


def the_demo_item_with_the_longest_materials_list() -> dict:
    catalogue = tomllib.loads(DEMO_CATALOGUE.read_text())
    items = [item for category in catalogue["category"] for item in category["item"]]
    return max(items, key=lambda item: (len(item["materials"]), len("".join(item["materials"]))))


def test_the_notice_with_the_longest_materials_list_prints_on_one_a4_page(
    live_server, page, clock, log_in
):
    clock.run_from(at(2026, 11, 24, 19))
    community = make_community(
        make_street_office(), name="二七街道幸福里社区", address=LONG_ADDRESS
    )
    worker = make_user(community=community, username="xingfuli-1")
    assign(make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0], worker)
    demo = the_demo_item_with_the_longest_materials_list()
    item = make_service_item(
        name=demo["name"], materials="\n".join(demo["materials"]), steps="\n".join(demo["steps"])
    )
    logged = ServiceRequest.objects.create(
        community=community,
        service_item=item,
        logged_by=worker,
        logged_at=at(2026, 11, 24, 19, 5),
        outcome="accepted",
        idempotency_key=uuid.uuid4(),
        missing_materials=demo["materials"][1:3],
        notes="",
    )

    log_in(page, "xingfuli-1", next=f"/desk/requests/{logged.pk}/notice/")
    expect(page.locator(".rating-qr svg")).to_be_visible()
    pdf = page.pdf(format="A4")
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/notice-print.png", full_page=True)

    assert pages_in(pdf) == 1
    for material in demo["materials"]:
        expect(page.locator(".notice-materials")).to_contain_text(material)
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    assert page.console_errors == []
