import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_worker_logs_in_and_sees_the_chinese_desk(live_server, page):
    worker = make_user(username="wangli", last_name="王", first_name="丽")
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("工作人员登录")
    page.get_by_label("用户名").fill("wangli")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text("值班台")
    expect(page.locator("main")).to_contain_text(worker.community.name)
    expect(page.locator("main")).to_contain_text("王丽")
    assert page.console_errors == []  # nothing blocked by the CSP, no script errors
