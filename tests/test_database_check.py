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


def test_a_live_idle_connection_is_lent_without_a_round_trip(own_connection, tmp_path):
    own_connection.execute("SELECT 1")
    pid = own_connection.info.backend_pid
    with open(tmp_path / "trace", "w") as trace:
        own_connection.pgconn.trace(trace.fileno())  # libpq writes every message it sends or reads
        check_connection(own_connection)
        own_connection.pgconn.untrace()
    assert (tmp_path / "trace").read_text() == ""
    assert own_connection.execute("SELECT pg_backend_pid()").fetchone()[0] == pid


def test_the_trace_would_show_a_round_trip(own_connection, tmp_path):
    """The test above could fail: the pool's own check is seen in the same trace."""
    from psycopg_pool import ConnectionPool

    with open(tmp_path / "trace", "w") as trace:
        own_connection.pgconn.trace(trace.fileno())
        ConnectionPool.check_connection(own_connection)
        own_connection.pgconn.untrace()
    assert "Query" in (tmp_path / "trace").read_text()


def test_a_connection_the_server_ended_is_refused(own_connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [own_connection.info.backend_pid])
    # The server's goodbye reaches the socket a moment later: wait for it, with a deadline.
    poller = select.poll()
    poller.register(own_connection.fileno(), select.POLLIN)
    assert poller.poll(5000)
    with pytest.raises(psycopg.OperationalError):
        check_connection(own_connection)


def test_a_closed_connection_is_refused(own_connection):
    own_connection.close()
    with pytest.raises(psycopg.OperationalError):
        check_connection(own_connection)
