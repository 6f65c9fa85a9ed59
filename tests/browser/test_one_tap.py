"""Logging a walk-in is a tap: tiles, 撤销, +1 and +N, the save button always on screen."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from desks.models import RequestChange, ServiceRequest
from desks.rota.duty import assign, make_slots
from tests.browser.conftest import serious_accessibility_problems
from tests.clock import at
from tests.factories import PASSWORD, make_community, make_service_item, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENS = {"a 1366×800 PC": (1366, 800), "a 1024×768 tablet": (1024, 768)}


@pytest.fixture
def desk(clock):
    clock.run_from(at(2026, 11, 24, 19))
    community = make_community(name="和平社区")
    worker = make_user(community=community, username="heping-1")
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    make_service_item(name="测血压", materials="")
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件\n照片")
    for number in range(6):  # a full row of tiles, as a real desk has
        make_service_item(name=f"事项{number}", materials="身份证原件")
    return slot


def open_desk(browser, live_server, size=(1366, 800), **options):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": size[0], "height": size[1]},
        **options,
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.console_errors = errors
    page.goto(f"{live_server.url}/accounts/login/?next=/desk/")
    page.get_by_label("用户名").fill("heping-1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/desk/")
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded on
    return page


def tile(page, name):
    return page.locator(".tap-tile", has=page.locator(".tap-name", has_text=name))


def assert_on_screen(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_save_button_stays_on_screen_after_choosing_an_item(browser, live_server, desk, screen):
    page = open_desk(browser, live_server, SCREENS[screen])
    save = page.locator("#log-save")

    tile(page, "居民医保参保登记").locator(".tap-details").click()
    expect(page.locator("#guide h3")).to_contain_text("居民医保参保登记")
    expect(page.locator("#item-results input[type=radio]:checked")).to_be_focused()
    assert_on_screen(page, save)

    page.locator("#item-search").fill("测血压")
    page.locator("#item-results label.tile", has_text="测血压").click()
    expect(page.locator("#guide h3")).to_contain_text("测血压")
    assert_on_screen(page, save)
    # The shortcuts are told where the worker looks: by the save button.
    assert_on_screen(page, page.locator(".save-bar .shortcuts"))
    expect(page.locator(".save-bar .shortcuts kbd")).to_have_count(3)

    save.click()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    assert ServiceRequest.objects.get().service_item.name == "测血压"
    page.context.close()


def test_one_tap_on_a_tile_logs_one_walk_in_and_undo_takes_it_back(browser, live_server, desk):
    page = open_desk(browser, live_server)
    page.clock.install()  # the 撤销 offer's few seconds pass without waiting for them
    blood_pressure = tile(page, "测血压")

    blood_pressure.locator(".tap-log").click()
    expect(blood_pressure.locator(".tap-done")).to_be_visible()
    expect(page.locator("#desk-status")).to_contain_text("测血压")
    expect(page.locator("#tonight-log li.log-entry.just-saved")).to_have_count(1)
    expect(page.locator("#tonight-count")).to_have_text("1")
    logged = ServiceRequest.objects.get()
    assert (logged.channel, logged.count, logged.outcome) == ("walk_in", 1, "answered")
    assert logged.slot == desk and logged.logged_by.username == "heping-1"

    blood_pressure.locator(".tap-done button").click()
    expect(blood_pressure.locator(".tap-undone")).to_be_visible()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(0)
    expect(page.locator("#tonight-count")).to_have_text("0")
    logged.refresh_from_db()
    assert logged.deleted_at is not None
    assert RequestChange.objects.get().action == "deleted"

    # Two more taps are two more walk-ins, each with its own key; the offer goes away.
    blood_pressure.locator(".tap-log").click()
    expect(page.locator("#tonight-count")).to_have_text("1")
    blood_pressure.locator(".tap-log").click()
    expect(page.locator("#tonight-count")).to_have_text("2")
    assert ServiceRequest.objects.alive().count() == 2
    expect(blood_pressure.locator(".tap-done")).to_be_visible()
    page.clock.run_for(9_000)
    expect(blood_pressure.locator(".tap-done")).to_have_count(0)
    assert page.console_errors == []
    page.context.close()


def test_a_double_tap_on_a_tile_logs_one_walk_in(browser, live_server, desk):
    page = open_desk(browser, live_server)
    tile(page, "测血压").locator(".tap-log").dblclick()
    expect(page.locator("#tonight-count")).to_have_text("1")
    page.reload()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    assert ServiceRequest.objects.count() == 1
    page.context.close()


def test_plus_one_adds_a_person_and_plus_n_fills_the_count(browser, live_server, desk):
    page = open_desk(browser, live_server)
    tile(page, "测血压").locator(".tap-log").click()
    entry = page.locator("#tonight-log li.log-entry").first
    entry.locator("button.plus-one").click()
    expect(entry.locator(".tag", has_text="×2")).to_be_visible()
    entry.locator("button.plus-one").click()
    expect(entry.locator(".tag", has_text="×3")).to_be_visible()
    assert ServiceRequest.objects.get().count == 3
    expect(page.locator("#desk-status")).to_contain_text("3")

    # A group at the counter: +5 and +2 on the form's people count, Ctrl+Enter saves.
    tile(page, "居民医保参保登记").locator(".tap-details").click()
    expect(page.locator("#guide h3")).to_be_visible()
    page.locator("[data-add-people='5']").click()
    page.locator("[data-add-people='2']").click()
    expect(page.locator("#id_count")).to_have_value("8")
    page.locator("#id_notes").click()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(2)
    expect(page.locator("#desk-status")).to_contain_text("居民医保参保登记")
    expect(page.locator("#tonight-log li.log-entry").first).to_have_class("log-entry just-saved")
    expect(page.locator("#id_count")).to_have_value("1")  # the form starts over
    group = ServiceRequest.objects.get(service_item__name="居民医保参保登记")
    assert group.count == 8
    assert page.console_errors == []
    page.context.close()


def test_a_saved_handover_note_is_confirmed(browser, live_server, desk):
    page = open_desk(browser, live_server)
    page.locator("#id_handover_note").fill("复印机没纸了")
    page.locator("#handover button[type=submit]").click()
    expect(page.locator("#handover .saved-note")).to_be_visible()
    expect(page.locator("#desk-status")).not_to_be_empty()
    desk.refresh_from_db()
    assert desk.handover_note == "复印机没纸了"
    page.context.close()


def test_a_refused_plus_one_says_why(browser, live_server, desk):
    """An entry deleted at another desk meanwhile: +1 changes nothing, and the desk says so."""
    page = open_desk(browser, live_server)
    tile(page, "测血压").locator(".tap-log").click()
    entry = page.locator("#tonight-log li.log-entry").first
    expect(entry).to_be_visible()
    ServiceRequest.objects.update(deleted_at=desk.starts_at)  # deleted at another desk
    entry.locator("button.plus-one").click()
    expect(page.locator("#desk-status")).not_to_contain_text("测血压")
    expect(page.locator("#desk-status")).not_to_be_empty()
    assert ServiceRequest.objects.get().count == 1
    page.context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_desk_has_no_serious_accessibility_problem(browser, live_server, desk, screen):
    page = open_desk(browser, live_server, SCREENS[screen], bypass_csp=True)
    tile(page, "测血压").locator(".tap-log").click()
    expect(page.locator(".tap-done")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    page.context.close()
