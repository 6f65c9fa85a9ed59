"""Hardening: login lockout, session limits, headers on public, desk and admin pages."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import Role
from tests.clock import at
from tests.factories import PASSWORD, make_user
from tests.residents.conftest import make_superuser

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
DESK = reverse("desks:home")
START = at(2026, 11, 24, 18)


def test_five_failed_logins_lock_the_account_with_a_chinese_message(client):
    worker = make_user(username="wangli")
    for _ in range(5):
        response = client.post(LOGIN, {"username": "wangli", "password": "wrong"})
    assert response.status_code == 429
    response = client.post(LOGIN, {"username": "wangli", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert "15 分钟" in response.text
    assert "_auth_user_id" not in client.session
    worker.refresh_from_db()
    assert worker.is_active  # the account itself is untouched


def test_the_lockout_message_states_the_cool_off_that_applies(client, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=40)
    make_user(username="wangli")
    for _ in range(6):
        response = client.post(LOGIN, {"username": "wangli", "password": "wrong"})
    assert response.status_code == 429
    assert "请 40 分钟后再试" in response.text


def test_a_few_failures_do_not_lock_and_a_success_clears_them(client):
    make_user(username="wangli")
    for _ in range(4):
        assert client.post(LOGIN, {"username": "wangli", "password": "wrong"}).status_code == 200
    response = client.post(LOGIN, {"username": "wangli", "password": PASSWORD})
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        assert client.post(LOGIN, {"username": "wangli", "password": "wrong"}).status_code == 200


def test_a_lockout_ends_after_fifteen_minutes(client, clock):
    make_user(username="wangli")
    clock.stop_at(START)
    for _ in range(5):
        client.post(LOGIN, {"username": "wangli", "password": "wrong"})
    clock.advance(dt.timedelta(minutes=16))
    response = client.post(LOGIN, {"username": "wangli", "password": PASSWORD})
    assert response.status_code == 302


def test_a_session_ends_after_thirty_minutes_idle(client, clock):
    clock.stop_at(START)
    client.force_login(make_user())
    assert client.get(DESK).status_code == 200
    clock.advance(dt.timedelta(minutes=29))
    assert client.get(DESK).status_code == 200
    clock.advance(dt.timedelta(minutes=31))
    response = client.get(DESK)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_busy_session_still_ends_after_twelve_hours(client, clock):
    clock.stop_at(START)
    client.force_login(make_user())
    client.get(DESK)
    for _ in range(12 * 3 - 1):
        clock.advance(dt.timedelta(minutes=20))
        assert client.get(DESK).status_code == 200
    clock.advance(dt.timedelta(minutes=21))
    response = client.get(DESK)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_the_login_page_says_why_the_session_ended(client, clock):
    clock.stop_at(START)
    client.force_login(make_user())
    client.get(DESK)
    clock.advance(dt.timedelta(minutes=31))
    response = client.get(DESK, follow=True)
    assert "30 分钟" in response.text


def test_the_signed_out_message_states_the_idle_limit_that_applies(client, clock, settings):
    settings.SESSION_IDLE_SECONDS = 10 * 60
    clock.stop_at(START)
    client.force_login(make_user())
    client.get(DESK)
    clock.advance(dt.timedelta(minutes=11))
    assert "您已 10 分钟未操作" in client.get(DESK, follow=True).text


def csp_of(response):
    header = response.headers["Content-Security-Policy"]
    return dict((part.split()[0], part.split()[1:]) for part in header.split(";") if part.strip())


@pytest.fixture
def hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = False


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/", None),
        ("/accounts/login/", None),
        ("/desk/", Role.WORKER),
        ("/desk/residents/", Role.WORKER),
        ("/admin/", Role.OFFICE),
        ("/admin/residents/accesslog/", "superuser"),
    ],
)
def test_every_kind_of_page_carries_the_security_headers(client, hsts, path, who):
    if who == "superuser":
        client.force_login(make_superuser())
    elif who:
        client.force_login(make_user(who))
    response = client.get(path, secure=True)
    assert response.status_code == 200
    policy = csp_of(response)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    if who:
        assert "no-store" in response.headers["Cache-Control"]


def test_htmx_keeps_no_history_in_local_storage(client):
    client.force_login(make_user())
    body = client.get(reverse("residents:search")).text
    assert '"historyCacheSize": 0' in body


def test_signing_in_again_starts_a_new_twelve_hours(client, clock):
    make_user(username="wangli")
    clock.stop_at(START)
    client.post(LOGIN, {"username": "wangli", "password": PASSWORD})
    for _ in range(35):  # 11 h 40 min of work
        clock.advance(dt.timedelta(minutes=20))
        assert client.get(DESK).status_code == 200
    client.post(LOGIN, {"username": "wangli", "password": PASSWORD})
    for _ in range(3):  # past the first sign-in's 12 hours
        clock.advance(dt.timedelta(minutes=20))
        assert client.get(DESK).status_code == 200
