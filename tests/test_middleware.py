"""servicedesk's middleware: a NUL character never reaches a view; htmx finds the login page."""

import pytest
from django.urls import reverse

from desks.models import ServiceRequest
from tests.clock import at
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/?office=%00", "/api/hours/?community=%00", "/r/ab%00cd/", "/?date=2026%0011-24"]
)
def test_a_nul_character_is_a_400(client, path):
    assert client.get(path).status_code == 400


def test_a_posted_nul_character_is_a_400(client):
    client.force_login(make_user())
    response = client.post(reverse("desks:resident_search"), {"resident_q": "王\x00"})
    assert response.status_code == 400


def test_the_api_answers_a_nul_character_with_a_json_message(client):
    response = client.get("/api/hours/", {"at": "2026-11-24T19:30\x00"})
    assert response.status_code == 400 and response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


# An htmx request after the session ended: the browser goes to the login page and back.

ON_THE_DESK = {"HX-Request": "true", "HX-Current-URL": "http://testserver/desk/"}


def test_an_htmx_save_after_sign_out_sends_the_browser_to_the_login_page(client):
    response = client.post(
        reverse("desks:log"), {"idempotency_key": "not-even-read"}, headers=ON_THE_DESK
    )
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fdesk%2F"
    assert "Location" not in response and "<form" not in response.text
    assert not ServiceRequest.objects.exists()


def test_an_htmx_search_after_idle_sign_out_redirects_and_login_comes_back(client, clock, worker):
    clock.stop_at(at(2026, 11, 24, 19))
    client.force_login(worker)
    client.get(reverse("desks:home"))
    clock.stop_at(at(2026, 11, 24, 19, 45))  # idle longer than SESSION_IDLE_SECONDS
    response = client.get(reverse("desks:item_search"), {"item_q": "yb"}, headers=ON_THE_DESK)
    assert response.status_code == 401
    login = response["HX-Redirect"]
    assert login == "/accounts/login/?next=%2Fdesk%2F"
    back = client.post(login, {"username": "worker", "password": PASSWORD})
    assert back.status_code == 302 and back["Location"] == "/desk/"


def test_in_english_the_login_page_and_the_way_back_stay_english(client):
    response = client.post(
        "/en/desk/lookup/residents/",
        {"resident_q": "王"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/desk/"},
    )
    assert response["HX-Redirect"] == "/en/accounts/login/?next=%2Fen%2Fdesk%2F"


def test_a_page_of_another_site_is_never_the_way_back(client):
    response = client.get(
        reverse("desks:item_search"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/desk/"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fdesk%2F"


def test_without_htmx_the_login_redirect_is_a_plain_redirect(client):
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302 and "HX-Redirect" not in response
    assert response["Location"] == "/accounts/login/?next=/desk/"
