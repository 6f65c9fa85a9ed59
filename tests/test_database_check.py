"""The pool's check of a connection before lending it (servicedesk/database/__init__.py):
a dead connection is refused, a live one is lent without a statement of its own."""

import select

import psycopg
import pytest
from django.db import connection

from servicedesk.database import check_connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's"),
]


@pytest.fixture
def other():
    """A connection of its own to the test database, as the pool holds them."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
        autocommit=True,
    ) as pooled:
        yield pooled


def test_a_live_idle_connection_is_lent_without_a_round_trip(other, tmp_path):
    other.execute("SELECT 1")
    pid = other.info.backend_pid
    with open(tmp_path / "trace", "w") as trace:
        other.pgconn.trace(trace.fileno())  # libpq writes every message it sends or reads
        check_connection(other)
        other.pgconn.untrace()
    assert (tmp_path / "trace").read_text() == ""
    assert other.execute("SELECT pg_backend_pid()").fetchone()[0] == pid


def test_the_trace_would_show_a_round_trip(other, tmp_path):
    """The test above could fail: the pool's own check is seen in the same trace."""
    from psycopg_pool import ConnectionPool

    with open(tmp_path / "trace", "w") as trace:
        other.pgconn.trace(trace.fileno())
        ConnectionPool.check_connection(other)
        other.pgconn.untrace()
    assert "Query" in (tmp_path / "trace").read_text()


def test_a_connection_the_server_ended_is_refused(other):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [other.info.backend_pid])
    # The server's goodbye reaches the socket a moment later: wait for it, with a deadline.
    poller = select.poll()
    poller.register(other.fileno(), select.POLLIN)
    assert poller.poll(5000)
    with pytest.raises(psycopg.OperationalError):
        check_connection(other)


def test_a_closed_connection_is_refused(other):
    other.close()
    with pytest.raises(psycopg.OperationalError):
        check_connection(other)
