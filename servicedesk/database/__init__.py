"""PostgreSQL connections: how the pool checks one before lending it, and (in `base`) the
database backend, Django's own with prepared statements that survive a migration."""

import select

import psycopg
from psycopg_pool import ConnectionPool


def check_connection(connection: psycopg.Connection) -> None:
    """Raise if `connection` is dead, as `ConnectionPool.check_connection` does, but without
    its round trip (an empty statement, 0.3 ms before every request) for a connection idle
    as it should be.

    An idle connection has nothing to read. A server that ended it (a restart, a failover,
    `pg_terminate_backend`) sent its reason and closed the socket, which leaves the socket
    readable: only then is the empty statement sent, which fails on a dead connection, and
    the pool replaces it. A connection cut without a word (a network gone silent) is not
    seen here, as it is not by the pool's own check until its statement times out.
    """
    if connection.closed:
        raise psycopg.OperationalError("the connection is closed")
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    if poller.poll(0):
        ConnectionPool.check_connection(connection)
