"""Races on real PostgreSQL transactions: two takers at once, two desks calling at once."""

import threading

import pytest
from django.db import connection, connections

from desks.booking import queue
from desks.models import QueueTicket, TicketStatus
from tests.clock import at
from tests.factories import make_community, make_service_item, make_user

pytestmark = pytest.mark.django_db(transaction=True)

OPEN = at(2026, 11, 24, 19, 0)
RACERS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")


def race(call, count=RACERS):
    """Run `call` in `count` threads, each with its own connection, released at once."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_takers_at_the_same_moment_get_different_numbers():
    community, item = make_community(), make_service_item()

    tickets = race(lambda: queue.take_number(community, item, OPEN))

    assert sorted(ticket.number for ticket in tickets) == list(range(1, RACERS + 1))
    assert QueueTicket.objects.count() == RACERS


def test_desks_calling_at_the_same_moment_never_get_the_same_ticket():
    community, item = make_community(), make_service_item()
    workers = [make_user(community=community) for _ in range(RACERS)]
    for _ in range(RACERS - 2):
        queue.take_number(community, item, OPEN)
    turn = iter(workers)
    lock = threading.Lock()

    def call():
        with lock:
            worker = next(turn)
        return queue.call_next(community.pk, worker, OPEN)

    called = race(call)

    got = [ticket.pk for ticket in called if ticket is not None]
    assert len(got) == len(set(got)) == RACERS - 2
    assert called.count(None) == 2
    assert QueueTicket.objects.filter(status=TicketStatus.CALLED).count() == RACERS - 2
    # Each called ticket names the worker whose call returned it.
    for ticket in filter(None, called):
        assert QueueTicket.objects.get(pk=ticket.pk).called_by == ticket.called_by
