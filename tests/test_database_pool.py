"""The connection pool survives a restarted database: no request pays for a dead connection."""

import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.factories import make_community
from tests.servers import app_server

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
def test_no_request_fails_after_the_database_dropped_every_connection():
    community = make_community()
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    # No page cache, so that every request asks the database.
    env = {"DATABASE_URL": url, "CACHE_URL": "dummycache://", "GUNICORN_THREADS": "4"}
    env |= {"DATABASE_POOL_MIN": "4", "DATABASE_POOL_MAX": "4"}
    pages = [f"/api/hours/?date=2026-01-0{day}&community={community.slug}" for day in range(1, 9)]
    with app_server(env) as base:
        assert [status_of(base + path) for path in pages] == [200] * len(pages)
        with connection.cursor() as cursor:
            # What a restart of PostgreSQL (or a failover) does to the pooled connections.
            # Waiting (up to 5 s) until each backend has ended, as a restart has ended them
            # all before the next request: without the wait a request could borrow a
            # connection whose backend had the signal but had not yet closed the socket.
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        assert [status_of(base + path) for path in pages] == [200] * len(pages)
