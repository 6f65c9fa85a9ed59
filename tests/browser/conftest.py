from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    page.console_errors = console_errors
    yield page
    context.close()


@pytest.fixture
def log_in(live_server):
    """Sign a user in through the login page, as staff do, and wait for where it leads."""

    def log_in(page, username, next="/desk/"):
        page.goto(f"{live_server.url}/accounts/login/?next={next}")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}{next}")

    return log_in


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        # Lets the test inject axe-core; our own CSP is tested elsewhere.
        bypass_csp=True,
    )
    page = context.new_page()
    yield page
    context.close()


def serious_accessibility_problems(page):
    """Run axe-core on the page; return its serious and critical violations, readably.

    Colours are judged once every transition has ended: the admin's links fade to a new
    colour (a theme switched a moment ago is otherwise caught halfway)."""
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
