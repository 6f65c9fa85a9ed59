"""Rating a visit (好差评): the desk's QR code, the resident's page, the call-back it opens."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from desks.models import CallBack, Rating, RatingInvitation, Role, WeeklyWindow
from desks.models.voice import COMMENT_MAX_LENGTH
from desks.voice import feedback
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_resident,
    make_service_item,
    make_user,
)

pytestmark = pytest.mark.django_db

LOGGED = at(2026, 11, 24, 19, 20)  # a Tuesday
NEXT_DAY = LOGGED + dt.timedelta(days=1)
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _next_evening(clock):
    clock.stop_at(NEXT_DAY)


@pytest.fixture
def community():
    centre = make_community(name="翠苑社区", slug="cuiyuan")
    # Open on Tuesday and Thursday evenings only: working days are those two.
    for weekday in (1, 3):
        WeeklyWindow.objects.create(
            community=centre, weekday=weekday, start=dt.time(18), end=dt.time(20)
        )
    return centre


@pytest.fixture
def head(community):
    return make_user(Role.HEAD, community=community, username="head")


@pytest.fixture
def worker(community):
    return make_user(community=community, username="worker", last_name="赵", first_name="值班")


@pytest.fixture
def logged(community, worker, head):
    resident = make_resident(community, name="张秀英", phone="13912345678")
    item = make_service_item(name="居民医保参保登记")
    return make_request(community, item, worker, LOGGED, resident=resident)


@pytest.fixture
def token(logged):
    return feedback.invitation_for(logged).token


def rate_url(token):
    return reverse("desks:rate", args=[token])


def test_the_desk_shows_a_qr_code_the_strict_csp_allows(client, worker, logged):
    client.force_login(worker)
    response = client.get(reverse("desks:rating_qr", args=[logged.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    svg = re.search(r"<svg.*?</svg>", response.text, re.S)[0]
    assert "style=" not in svg and "<script" not in svg
    token = RatingInvitation.objects.get(request=logged).token
    assert f"http://testserver/r/{token}/" in response.text
    # Asking again shows the same link.
    client.get(reverse("desks:rating_qr", args=[logged.pk]))
    assert RatingInvitation.objects.get().token == token


def test_the_link_expires_seven_days_after_the_visit(logged):
    assert feedback.invitation_for(logged).expires_at == LOGGED + dt.timedelta(days=7)


def test_another_communitys_worker_gets_404_for_the_qr_code(client, logged):
    client.force_login(make_user(username="outsider"))
    assert client.get(reverse("desks:rating_qr", args=[logged.pk])).status_code == 404
    assert not RatingInvitation.objects.exists()


def test_the_qr_code_needs_a_login(client, logged):
    response = client.get(reverse("desks:rating_qr", args=[logged.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_one_time_notice_carries_the_qr_code(client, worker, logged):
    client.force_login(worker)
    response = client.get(reverse("desks:notice", args=[logged.pk]))
    assert "<svg" in response.text and 'class="qr"' in response.text
    assert rate_url(RatingInvitation.objects.get().token) in response.text


def test_the_rating_page_carries_no_personal_data(client, token):
    response = client.get(rate_url(token))
    assert response.status_code == 200
    assert "居民医保参保登记" in response.text and "翠苑社区" in response.text
    for personal in ("张秀英", "13912345678", "5678", "赵值班"):
        assert personal not in response.text
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_resident_rates_a_visit(client, token, logged):
    response = client.post(rate_url(token), {"level": "5", "comment": " 很耐心 "})
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert (rating.request, rating.level, rating.comment) == (logged, 5, "很耐心")
    assert rating.rated_at == NEXT_DAY
    assert not CallBack.objects.exists()


@pytest.mark.parametrize("level", ["2", "1"])
def test_a_poor_rating_opens_a_call_back_for_the_head_in_three_working_days(
    client, token, head, level
):
    client.post(rate_url(token), {"level": level})
    call_back = CallBack.objects.get()
    assert call_back.owner == head
    # Rated on Wednesday 11/25: working days of the street office are Thu 11/26,
    # Fri 11/27 and Mon 11/30, whatever evenings this desk opens (Tue and Thu).
    assert call_back.due_on == dt.date(2026, 11, 30)
    assert call_back.created_at == NEXT_DAY


def test_a_fair_rating_opens_no_call_back(client, token):
    client.post(rate_url(token), {"level": "3"})
    assert not CallBack.objects.exists()


def test_without_a_head_the_call_back_goes_to_the_worker(client, community, worker):
    logged = make_request(community, make_service_item(), worker, LOGGED)
    client.post(rate_url(feedback.invitation_for(logged).token), {"level": "1"})
    assert CallBack.objects.get().owner == worker


def test_a_second_rating_with_the_same_link_is_refused(client, token):
    client.post(rate_url(token), {"level": "5"})
    for response in (client.get(rate_url(token)), client.post(rate_url(token), {"level": "1"})):
        assert response.status_code == 410
        assert "已经评价过" in response.text
    assert Rating.objects.get().level == 5
    assert not CallBack.objects.exists()


def test_an_unknown_token_answers_404_and_changes_nothing(client, token):
    for response in (
        client.get(rate_url("nonsense-token")),
        client.post(rate_url("x" * 65), {"level": "1"}),
    ):
        assert response.status_code == 404
        assert "评价链接无效" in response.text
    assert not Rating.objects.exists()


def test_an_expired_link_answers_410_and_changes_nothing(client, clock, token):
    clock.stop_at(LOGGED + dt.timedelta(days=7))
    response = client.post(rate_url(token), {"level": "5"})
    assert response.status_code == 410
    assert "已过期" in response.text
    assert not Rating.objects.exists()


def test_a_deleted_requests_link_is_unknown(client, token, logged):
    logged.deleted_at = NEXT_DAY
    logged.save(update_fields=["deleted_at"])
    assert client.post(rate_url(token), {"level": "5"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose one of the five answers."),
        ({"level": "6"}, "Choose one of the five answers."),
        ({"level": "abc"}, "Choose one of the five answers."),
        ({"level": "4", "comment": "长" * 501}, "500 characters or fewer"),
    ],
)
def test_bad_input_answers_422_with_a_message_and_stores_nothing(client, token, data, message):
    response = client.post("/en" + rate_url(token), data)
    assert response.status_code == 422
    assert message in response.text
    assert not Rating.objects.exists()


def test_flooding_it_answers_429(client, settings, token):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    for _ in range(feedback.RATING_LIMIT):
        assert client.get(rate_url(token)).status_code == 200
    response = client.post(rate_url(token), {"level": "1"})
    assert response.status_code == 429
    assert not Rating.objects.exists()


def test_behind_the_proxy_one_client_s_flood_does_not_stop_another(client, settings, token):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    flooder = {"X-Forwarded-For": "198.51.100.1"}
    for _ in range(feedback.RATING_LIMIT):
        assert client.get(rate_url(token), headers=flooder).status_code == 200
    assert client.get(rate_url(token), headers=flooder).status_code == 429
    resident = {"X-Forwarded-For": "198.51.100.2"}
    assert client.get(rate_url(token), headers=resident).status_code == 200
    # Spoofing the header from outside the proxy changes nothing.
    settings.TRUSTED_PROXIES = []
    for _ in range(feedback.RATING_LIMIT):
        client.get(rate_url(token), headers={"X-Forwarded-For": "198.51.100.3"})
    spoofed = client.get(rate_url(token), headers={"X-Forwarded-For": "198.51.100.4"})
    assert spoofed.status_code == 429


def test_it_rejects_other_methods(client, token):
    assert client.delete(rate_url(token)).status_code == 405


def test_the_limits_the_rating_page_states_are_the_ones_it_enforces(client, token):
    page = client.get(rate_url(token)).text
    assert f'maxlength="{COMMENT_MAX_LENGTH}"' in page
    assert f"最多 {COMMENT_MAX_LENGTH} 字" in page

    answer = client.post(rate_url(token), {"level": 1, "comment": "很差"}).text
    assert f"{feedback.CALL_BACK_WORKING_DAYS} 个工作日内" in answer
