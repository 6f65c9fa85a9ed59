"""Residents' voice on a phone: voting for the evening menu, rating a visit from its QR code."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from desks.models import CallBack, Rating, Role, Vote, VotingRound
from tests.browser.conftest import serious_accessibility_problems
from tests.factories import (
    make_community,
    make_request,
    make_resident,
    make_service_item,
    make_user,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def heping():
    community = make_community(name="和平社区", slug="heping")
    make_service_item(name="居民医保参保登记")
    make_service_item(name="测血压")
    return community


@pytest.fixture
def logged(heping):
    worker = make_user(community=heping, username="worker", last_name="赵", first_name="敏")
    resident = make_resident(heping, name="张秀英", phone="13912345678")
    item = make_service_item(name="生育保险联系单")
    return make_request(
        heping, item, worker, timezone.now() - dt.timedelta(hours=1), resident=resident
    )


def no_personal_data(page):
    text = page.content()
    return all(personal not in text for personal in ("张秀英", "13912345678", "赵敏"))


def test_a_resident_votes_for_the_evening_menu(live_server, phone_page, heping):
    VotingRound.objects.create(
        community=heping, title="冬季居民点单", opens_at=timezone.now() - dt.timedelta(days=1)
    )
    phone_page.goto(f"{live_server.url}/c/heping/")
    phone_page.get_by_role("link", name="我要点单").click()
    expect(phone_page.locator("h1")).to_contain_text("您希望服务中心提供哪些服务")
    assert serious_accessibility_problems(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    phone_page.get_by_label("测血压").check()
    phone_page.get_by_role("button", name="提交投票").click()
    expect(phone_page.get_by_role("status")).to_contain_text("您的投票已记录")
    assert Vote.objects.get().service_item.name == "测血压"
    assert serious_accessibility_problems(phone_page) == []


def test_a_resident_rates_from_the_qr_link_once_and_the_head_sees_the_call_back(
    live_server, page, phone_page, log_in, logged
):
    head = make_user(Role.HEAD, community=logged.community, username="head")
    log_in(page, "worker")
    page.goto(f"{live_server.url}/desk/requests/{logged.pk}/rating/")
    expect(page.locator("svg.qr")).to_be_visible()
    rating_url = page.locator("a.rating-link").get_attribute("href")
    assert page.console_errors == []

    phone_page.goto(rating_url)
    expect(phone_page.locator("h1")).to_have_text("您对这次办事满意吗？")
    assert no_personal_data(phone_page)
    assert serious_accessibility_problems(phone_page) == []
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_label("不满意", exact=True).check()
    phone_page.get_by_label("还想说点什么？（选填）").fill("排队等了很久")
    phone_page.get_by_role("button", name="提交").click()
    expect(phone_page.get_by_role("status")).to_contain_text("您的评价已提交：不满意")
    assert Rating.objects.get().level == 2

    # The same link again: refused, and nothing changes.
    phone_page.goto(rating_url)
    expect(phone_page.locator("h1")).to_have_text("这次办事已经评价过了")
    assert Rating.objects.count() == 1

    call_back = CallBack.objects.get()
    assert call_back.owner == head
    page.goto(f"{live_server.url}/accounts/login/")  # already logged in: switch users
    page.context.clear_cookies()
    log_in(page, "head")
    page.goto(f"{live_server.url}/desk/follow-ups/")
    entry = page.locator(f"#call-back-{call_back.pk}")
    expect(entry).to_contain_text("生育保险联系单")
    expect(entry).to_contain_text("排队等了很久")
    entry.get_by_label("处理情况").fill("已电话回访致歉")
    entry.get_by_role("button", name="完成回访").click()
    expect(entry).to_contain_text("回访已完成")
    call_back.refresh_from_db()
    assert call_back.closed_at is not None
