"""Sessions read from the shared cache and written through to the database
(servicedesk/sessions.py): one query less per signed-in request, nothing lost or
kept alive by the cache, nothing failing when Redis is unreachable."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

CACHED = "servicedesk.sessions"
LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


def session_reads(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("desks:home"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if 'FROM "django_session"' in q["sql"]]


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = CACHED
    settings.CACHES = {**settings.CACHES, **LOCAL}


def test_a_signed_in_request_reads_its_session_from_the_cache(client, cached_sessions, worker):
    client.force_login(worker)
    assert session_reads(client) == []
    assert Session.objects.filter(pk=client.session.session_key).exists()  # the record


def test_without_the_cached_store_the_session_is_a_query(client, worker):
    client.force_login(worker)
    assert len(session_reads(client)) == 1


def test_a_session_missing_from_the_cache_is_read_from_the_database(
    client, cached_sessions, worker
):
    client.force_login(worker)
    cache.clear()
    assert len(session_reads(client)) == 1
    assert session_reads(client) == []  # and kept in the cache again


def test_logging_out_ends_the_cached_session_too(client, cached_sessions, worker):
    client.force_login(worker)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # someone kept the old cookie
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Session.objects.filter(pk=cookie).exists()


def test_with_redis_unreachable_the_desk_still_works_from_the_database(
    client, settings, worker, caplog
):
    settings.SESSION_ENGINE = CACHED
    settings.CACHES = {**settings.CACHES, **UNREACHABLE_REDIS}
    client.force_login(worker)
    assert client.get(reverse("desks:home")).status_code == 200
    assert "Error reading a session from the cache" in caplog.text
    client.post(reverse("logout"))
    assert not Session.objects.exists()
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302  # signed out all the same


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("redis://127.0.0.1:6379/1", CACHED),
        # One cache per process: a logout in one would leave the others signed in.
        ("locmemcache://", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_shared_cache(cache_url, engine):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
        **{**PRODUCTION, "CACHE_URL": cache_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == engine


def test_the_redis_cache_keeps_one_client_per_server():
    from servicedesk.cache import RedisCache
    from tests.servers import redis_db

    db = redis_db()
    if db is None:
        pytest.skip("Redis is not running here (CI starts it)")
    redis_cache = RedisCache(f"redis://127.0.0.1:6379/{db}", {})
    redis_cache.set("servicedesk-test-key", {"a": 1}, 10)
    assert redis_cache.get("servicedesk-test-key") == {"a": 1}
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client(write=True) is client  # one server: one pool
    redis_cache.delete("servicedesk-test-key")
    assert redis_cache.get("servicedesk-test-key") is None
