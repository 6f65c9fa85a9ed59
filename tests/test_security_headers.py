import pytest
from django.urls import reverse

from tests.factories import make_community, make_user

pytestmark = pytest.mark.django_db


def csp_of(response):
    header = response.headers["Content-Security-Policy"]
    return dict((part.split()[0], part.split()[1:]) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_public_pages_carry_a_strict_policy(client, path):
    make_community()
    response = client.get(path)
    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_desk_carries_the_policy_too(client):
    client.force_login(make_user())
    response = client.get(reverse("desks:home"))
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_pages_have_no_inline_script_or_style(client):
    client.force_login(make_user())
    body = client.get(reverse("desks:home")).text
    assert "<script>" not in body
    assert " style=" not in body
    assert "hx-on" not in body


def test_htmx_is_served_from_our_own_host(client):
    body = client.get("/").text
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer>' in body
    assert '"includeIndicatorStyles": false' in body
    assert '"historyCacheSize": 0' in body


def test_staff_pages_send_the_csrf_token_with_every_htmx_request(client):
    client.force_login(make_user())
    assert 'hx-headers=\'{"x-csrftoken": ' in client.get(reverse("desks:home")).text


def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
