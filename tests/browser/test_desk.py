import datetime as dt

import pytest
from playwright.sync_api import expect

from desks.models import FollowUp, ServiceRequest
from desks.rota.duty import assign, make_slots
from tests.clock import at
from tests.factories import PASSWORD, make_community, make_resident, make_service_item, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def desk(clock):
    clock.run_from(at(2026, 11, 24, 19))
    community = make_community(name="和平社区")
    worker = make_user(community=community, username="heping-1")
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    make_service_item(name="测血压", materials="")
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")
    make_resident(community, name="王秀英", phone="13900001234")
    return worker


def choose_in_the_form(page, name):
    """A tile's "Details": the item chosen in the log form, to fill in more than the defaults."""
    page.locator(".tap-tile", has=page.locator(".tap-name", has_text=name)).locator(
        ".tap-details"
    ).click()
    expect(page.locator("#guide h3")).to_contain_text(name)


def tab_to(page, selector, limit=80):
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def pick_item(page, text):
    expect(page.locator("#item-search")).to_be_focused()
    page.keyboard.type(text)
    expect(page.locator("#item-results input[type=radio]").first).to_be_attached()
    page.keyboard.press("Enter")  # picks the first result
    expect(page.locator("#guide h3")).to_be_visible()


def test_a_worker_logs_three_requests_with_the_keyboard_only(live_server, page, desk):
    page.goto(live_server.url + "/accounts/login/?next=/desk/")
    expect(page.locator("#id_username")).to_be_focused()  # autofocus: type straight away
    page.keyboard.type("heping-1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("值班台")
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded on
    page.evaluate("window.notReloaded = true")

    # 1. An anonymous enquiry.
    pick_item(page, "cxy")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    expect(page.locator("#tonight-count")).to_have_text("1")

    # 2. A resident found by the last digits of the phone.
    pick_item(page, "jmyb")
    tab_to(page, "#resident-search")
    page.keyboard.type("1234")
    expect(page.locator("#resident-results")).to_contain_text("王秀英")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(2)
    expect(page.locator("#tonight-log li.log-entry").first).to_contain_text("王秀英")

    # 3. Missing materials, accepted, with a follow-up.
    pick_item(page, "jmyb")
    tab_to(page, "input[name=missing_materials][value='户口本原件']")
    page.keyboard.press("Space")
    tab_to(page, "input[name=outcome]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # answered → done → accepted
    tab_to(page, "input[name=needs_follow_up]")
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(3)

    assert page.evaluate("window.notReloaded") is True
    third = ServiceRequest.objects.order_by("-pk").first()
    assert third.outcome == "accepted" and third.missing_materials == ["户口本原件"]
    assert third.resident is None  # the resident of the second did not stick

    # After each save the form starts over, ready for the next resident.
    expect(page.locator("#item-search")).to_be_focused()
    expect(page.locator("#log-form input[name=service_item]:checked")).to_have_count(0)
    expect(page.locator("#guide h3")).to_have_count(0)
    expect(page.locator("#resident-results input[value='']")).to_be_checked()
    expect(page.locator("#log-form input[name=outcome][value=answered]")).to_be_checked()
    expect(page.locator("#log-form input[name=needs_follow_up]")).not_to_be_checked()
    assert FollowUp.objects.get().request == third
    assert ServiceRequest.objects.filter(resident__name="王秀英").count() == 1
    assert page.console_errors == []

    # The 一次性告知单 prints.
    newest = page.locator("#tonight-log li.log-entry").first
    notice = newest.get_by_role("link", name="打印一次性告知单")
    page.goto(live_server.url + notice.get_attribute("href"))
    expect(page.locator(".notice")).to_contain_text("户口本原件")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_after_a_rejected_save_the_next_save_leaves_a_clean_form(page, log_in, desk):
    log_in(page, "heping-1")
    choose_in_the_form(page, "测血压")
    page.locator("details.new-resident summary").click()
    page.locator("#id_new_resident_name").fill("李四")  # a name without a phone
    page.locator("button.save").click()
    expect(page.locator("#log-form .form-errors")).to_be_visible()
    # htmx takes over the new form when it settles, in the task that drops htmx-added.
    expect(page.locator("#log-form.htmx-added")).to_have_count(0)
    page.locator("#id_new_resident_name").fill("")
    page.locator("#id_notes").fill("问路")
    page.locator("button.save").click()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    expect(page.locator("#log-form .form-errors")).to_have_count(0)
    expect(page.locator("#id_notes")).to_have_value("")
    expect(page.locator("#log-form input[name=service_item]:checked")).to_have_count(0)
    expect(page.locator("details.new-resident")).not_to_have_attribute("open", "")
    choose_in_the_form(page, "测血压")
    page.locator("button.save").click()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(2)
    assert ServiceRequest.objects.count() == 2
    # The browser reports the 422 itself; nothing else went wrong.
    assert [error for error in page.console_errors if "422" not in error] == []


def test_the_same_search_after_a_save_finds_the_item_again(page, log_in, desk):
    """An input method commits 居民医保 in one input event, as a paste does."""
    log_in(page, "heping-1")
    page.wait_for_load_state()  # htmx listens from DOMContentLoaded on
    for saved in (1, 2):  # the next resident came for the same matter
        page.locator("#item-search").fill("居民医保")
        page.locator("#item-results label.tile").first.click()
        expect(page.locator("#guide h3")).to_be_visible()
        page.locator("button.save").click()
        expect(page.locator("#tonight-log li.log-entry")).to_have_count(saved)
        expect(page.locator("#item-search")).to_have_value("")


def test_a_double_click_on_save_makes_one_record(page, log_in, desk):
    log_in(page, "heping-1")
    choose_in_the_form(page, "测血压")
    page.locator("button.save").dblclick()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    page.reload()
    expect(page.locator("#tonight-log li.log-entry")).to_have_count(1)
    assert ServiceRequest.objects.count() == 1
