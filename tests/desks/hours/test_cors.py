"""Public data is readable from any origin (a WeChat H5 page elsewhere); nothing else is."""

import pytest
from django.core.cache import cache

from tests.factories import make_community

pytestmark = pytest.mark.django_db

ORIGIN = {"Origin": "https://h5.example.cn"}


@pytest.fixture
def centre():
    return make_community()


@pytest.mark.parametrize(
    "path",
    [
        "/api/hours/",
        "/api/hours/?at=2026-11-24T19:30",
        "/api/hours/?date=2026-13-01",  # a 400: the page can read the message
        "/api/hours/?community=nowhere",  # a 404
        "/c/{slug}/hours.ics",
        "/en/c/{slug}/hours.ics",
    ],
)
def test_the_json_and_the_calendar_feed_are_readable_from_any_origin(client, centre, path):
    response = client.get(path.format(slug=centre.slug), headers=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_kept_copy_is_readable_from_any_origin_too(client, centre, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    cache.clear()
    client.get("/api/hours/")
    assert client.get("/api/hours/", headers=ORIGIN)["Access-Control-Allow-Origin"] == "*"
    cache.clear()


@pytest.mark.parametrize("path", ["/api/hours/", "/c/{slug}/hours.ics"])
def test_a_preflight_is_answered_without_running_the_view(
    client, centre, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.options(
            path.format(slug=centre.slug),
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "x-requested-with",
            },
        )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "x-requested-with"
    assert int(response["Access-Control-Max-Age"]) > 0


def test_writing_is_still_refused(client):
    assert client.post("/api/hours/", headers=ORIGIN).status_code == 405
    assert client.delete("/api/hours/", headers=ORIGIN).status_code == 405


@pytest.mark.parametrize(
    "path",
    ["/", "/c/{slug}/", "/desk/", "/desk/me/", "/admin/", "/admin/login/", "/accounts/login/"],
)
def test_nothing_else_is_readable_from_another_origin(client, centre, path):
    path = path.format(slug=centre.slug)
    for response in (client.get(path, headers=ORIGIN), client.options(path, headers=ORIGIN)):
        assert "Access-Control-Allow-Origin" not in response


def test_the_desk_stays_closed_to_other_origins_when_signed_in(client, worker):
    client.force_login(worker)
    response = client.get("/desk/", headers=ORIGIN)
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in client.get("/desk/me.ics", headers=ORIGIN)
