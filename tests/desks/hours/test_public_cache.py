"""The WSGI cache in front of Django: it keeps only what is public, and only for a while."""

from wsgiref.util import setup_testing_defaults

import pytest
from django.core.wsgi import get_wsgi_application

from desks.public_cache import STALE_SECONDS, PublicPageCache
from tests.factories import make_community


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def counting_app(status="200 OK", headers=None):
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response(
            status,
            headers
            if headers is not None
            else [("Cache-Control", "public, max-age=60"), ("Content-Type", "text/plain")],
        )
        return [f"page {len(calls)}".encode()]

    app.calls = calls
    return app


def get(app, path="/", method="GET", **headers):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, **headers}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def test_a_public_page_is_served_from_memory_until_its_max_age():
    clock, inner = Clock(), counting_app()
    app = PublicPageCache(inner, clock=clock)
    assert get(app)[2] == b"page 1"
    clock.now += 59
    assert get(app)[2] == b"page 1"
    clock.now += 2
    assert get(app)[2] == b"page 2"
    assert len(inner.calls) == 2


def test_while_one_request_fetches_an_expired_page_the_others_get_the_old_copy():
    clock, seen_meanwhile = Clock(), []

    def app(environ, start_response):
        app.calls += 1
        if app.calls == 2:  # the refresh: meanwhile, another request for the same page
            seen_meanwhile.append(get(cache)[2])
        start_response("200 OK", [("Cache-Control", "public, max-age=60")])
        return [f"page {app.calls}".encode()]

    app.calls = 0
    cache = PublicPageCache(app, clock=clock)
    get(cache)
    clock.now += 61
    assert get(cache)[2] == b"page 2"
    assert seen_meanwhile == [b"page 1"]
    assert app.calls == 2  # the request that came meanwhile did not render the page again
    assert get(cache)[2] == b"page 2" and not cache.refreshing


def test_a_copy_past_the_stale_window_is_never_served():
    clock, seen_meanwhile = Clock(), []

    def app(environ, start_response):
        app.calls += 1
        if app.calls == 2:
            clock.now += STALE_SECONDS  # the refresh is slow: the old copy is now too old
            seen_meanwhile.append(get(cache)[2])
        start_response("200 OK", [("Cache-Control", "public, max-age=60")])
        return [f"page {app.calls}".encode()]

    app.calls = 0
    cache = PublicPageCache(app, clock=clock)
    get(cache)
    clock.now += 61
    get(cache)
    assert seen_meanwhile == [b"page 3"]


def test_a_head_request_never_claims_the_refresh():
    clock, inner = Clock(), counting_app()
    app = PublicPageCache(inner, clock=clock)
    get(app)
    clock.now += 61
    get(app, method="HEAD")
    assert not app.refreshing
    assert get(app)[2] == b"page 3"


@pytest.mark.parametrize(
    "headers",
    [
        [("Cache-Control", "private, max-age=60")],
        [("Cache-Control", "no-store")],
        [("Cache-Control", "public, max-age=60"), ("Set-Cookie", "a=b")],
        [("Cache-Control", "public, max-age=60"), ("Vary", "Cookie")],
        [],
    ],
)
def test_anything_not_marked_shareable_is_never_kept(headers):
    inner = counting_app(headers=headers)
    app = PublicPageCache(inner)
    get(app)
    get(app)
    assert len(inner.calls) == 2


def test_requests_with_a_cookie_or_from_htmx_always_reach_django():
    inner = counting_app()
    app = PublicPageCache(inner)
    get(app)
    get(app, HTTP_COOKIE="sessionid=abc")
    get(app, HTTP_HX_REQUEST="true")
    get(app, method="POST")
    assert len(inner.calls) == 4


def test_errors_are_not_kept():
    inner = counting_app(status="400 Bad Request")
    app = PublicPageCache(inner)
    get(app)
    get(app)
    assert len(inner.calls) == 2


def test_the_cache_never_keeps_more_bytes_than_its_budget():
    inner = counting_app()
    app = PublicPageCache(inner, max_bytes=20)  # each page is b"page N": 6 bytes
    for day in range(10):
        get(app, QUERY_STRING=f"date=2026-11-{day + 10}")
        assert app.size <= 20 and app.size == sum(len(e.body) for e in app.entries.values())
    assert len(app.entries) <= 3


def test_each_query_string_is_its_own_page():
    inner = counting_app()
    app = PublicPageCache(inner)
    get(app, QUERY_STRING="date=2026-11-24")
    get(app, QUERY_STRING="date=2026-11-25")
    assert len(inner.calls) == 2


# Outside a test transaction: a real WSGI request opens and closes its own connection.
@pytest.mark.django_db(transaction=True)
def test_in_front_of_django_it_keeps_public_pages_and_not_the_desk(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    production_app = PublicPageCache(get_wsgi_application())
    make_community(name="和平社区")
    status, _, body = get(production_app, "/", HTTP_HOST="127.0.0.1")
    assert status.startswith("200") and "和平社区".encode() in body
    status, _, _ = get(production_app, "/desk/", HTTP_HOST="127.0.0.1")
    assert status.startswith("302")
    keys = [key[2] for key in production_app.entries]
    assert "/" in keys and "/desk/" not in keys
