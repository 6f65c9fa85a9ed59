"""The queue's rules: numbering, call order with booked times, the wait, closing on log."""

import datetime as dt
import uuid

import pytest

from desks.booking import queue
from desks.desk import request_log
from desks.models import QueueTicket, TicketStatus
from tests.clock import at
from tests.factories import make_community, make_request, make_service_item, make_user

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 19, 0)


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


def take(community, item, now=NOW, **fields):
    return queue.take_number(community, item, now, **fields)


def test_numbers_run_from_one_each_day_at_each_community(community, neighbour, item):
    first, second = take(community, item), take(community, item)
    elsewhere = take(neighbour, item)
    tomorrow = take(community, item, NOW + dt.timedelta(days=1))

    assert [first.number, second.number, elsewhere.number, tomorrow.number] == [1, 2, 1, 1]
    assert first.label == "A001"
    assert first.day == dt.date(2026, 11, 24)


def test_a_taken_number_never_repeats_even_when_the_highest_is_read_stale(
    community, item, monkeypatch
):
    take(community, item)
    real_max = QueueTicket.objects.of_day
    calls = []

    def stale_first_read(community_id, day):
        # The first read misses the ticket another desk stored a moment ago.
        calls.append(day)
        found = real_max(community_id, day)
        return found.none() if len(calls) == 1 else found

    monkeypatch.setattr(QueueTicket.objects, "of_day", stale_first_read)
    second = take(community, item)

    assert second.number == 2
    assert len(calls) == 2  # tried 1, was refused by the unique constraint, took 2


def test_tokens_are_random_and_long(community, item):
    tokens = {take(community, item).token for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) >= 32 for token in tokens)


def test_booked_arrivals_whose_time_has_come_are_called_first_then_walk_ins_by_number(
    community, item
):
    walk_in_1 = take(community, item)
    booked_later = take(community, item, due_at=NOW + dt.timedelta(minutes=30))
    walk_in_2 = take(community, item)
    booked_1900 = take(community, item, due_at=NOW)
    booked_1850 = take(community, item, due_at=NOW - dt.timedelta(minutes=10))

    order = list(QueueTicket.objects.waiting().in_call_order(NOW))

    assert order == [booked_1850, booked_1900, walk_in_1, walk_in_2, booked_later]
    assert booked_1850.label.startswith("B")
    for place, ticket in enumerate(order):
        assert QueueTicket.objects.ahead_of(ticket, NOW).count() == place


def test_call_next_follows_the_call_order_and_says_nobody_when_the_queue_is_empty(
    community, worker, item
):
    walk_in = take(community, item)
    booked = take(community, item, due_at=NOW - dt.timedelta(minutes=5))

    first = queue.call_next(community.pk, worker, NOW, counter=2)
    second = queue.call_next(community.pk, worker, NOW)

    assert (first, second) == (booked, walk_in)
    first.refresh_from_db()
    assert (first.status, first.counter, first.called_by, first.called_at) == (
        TicketStatus.CALLED,
        2,
        worker,
        NOW,
    )
    assert queue.call_next(community.pk, worker, NOW) is None


def test_call_next_never_calls_another_communitys_or_yesterdays_ticket(
    community, neighbour, worker, item
):
    take(neighbour, item)
    take(community, item, NOW - dt.timedelta(days=1))
    assert queue.call_next(community.pk, worker, NOW) is None


def test_the_wait_falls_as_the_desk_calls_the_next(community, worker, item):
    tickets = [take(community, item) for _ in range(4)]
    mine = tickets[3]

    assert queue.wait_for(mine, NOW).ahead == 3
    queue.call_next(community.pk, worker, NOW)
    assert queue.wait_for(mine, NOW).ahead == 2
    queue.call_next(community.pk, worker, NOW)
    queue.call_next(community.pk, worker, NOW)
    assert queue.wait_for(mine, NOW).is_next
    queue.call_next(community.pk, worker, NOW)
    mine.refresh_from_db()
    assert mine.is_called


def test_the_wait_uses_the_default_service_time_until_the_centre_has_enough_served(
    community, worker, item
):
    tickets = [take(community, item) for _ in range(3)]
    assert queue.wait_for(tickets[2], NOW).minutes == 2 * queue.DEFAULT_SERVICE_MINUTES


def test_the_wait_is_the_tickets_ahead_times_the_recent_median_service_time(
    community, worker, item
):
    earlier = NOW - dt.timedelta(days=1)
    # Served in 2, 4, 4, 10 and 30 minutes: the median is 4.
    for number, minutes in enumerate((2, 4, 4, 10, 30), start=1):
        QueueTicket.objects.create(
            community=community,
            day=dt.date(2026, 11, 23),
            number=number,
            service_item=item,
            token=queue.new_token(),
            status=TicketStatus.SERVED,
            taken_at=earlier,
            called_at=earlier,
            served_at=earlier + dt.timedelta(minutes=minutes),
        )
    waiting = [take(community, item) for _ in range(4)]

    assert queue.service_minutes(community.pk, NOW) == 4
    assert queue.wait_for(waiting[3], NOW).minutes == 12
    # Served more than SERVICE_PERIOD ago: the default again.
    later = NOW + queue.SERVICE_PERIOD + dt.timedelta(days=2)
    assert queue.service_minutes(community.pk, later) == queue.DEFAULT_SERVICE_MINUTES


def test_skip_and_recall(community, worker, colleague, item):
    ticket = take(community, item)
    assert not queue.skip(ticket)  # waiting: nothing to skip
    queue.call_next(community.pk, worker, NOW, counter=1)
    ticket.refresh_from_db()

    assert queue.skip(ticket)
    assert QueueTicket.objects.get().status == TicketStatus.SKIPPED
    later = NOW + dt.timedelta(minutes=5)
    assert queue.recall(ticket, colleague, later, counter=2)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter, ticket.called_by) == (TicketStatus.CALLED, 2, colleague)
    assert (ticket.called_at, ticket.last_called_at) == (NOW, later)


def test_logging_the_request_closes_the_ticket_once(community, worker, item):
    ticket = take(community, item)
    queue.call_next(community.pk, worker, NOW)
    logged = make_request(community, item, worker, NOW + dt.timedelta(minutes=4))

    assert queue.close_with(ticket.pk, logged)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.request, ticket.served_at) == (
        TicketStatus.SERVED,
        logged,
        logged.logged_at,
    )
    another = make_request(community, item, worker, NOW + dt.timedelta(minutes=6))
    assert not queue.close_with(ticket.pk, another)
    ticket.refresh_from_db()
    assert ticket.request == logged


def test_a_ticket_served_without_a_call_counts_as_called_when_served(community, worker, item):
    ticket = take(community, item)
    logged = make_request(community, item, worker, NOW + dt.timedelta(minutes=4))
    assert queue.close_with(ticket.pk, logged)
    ticket.refresh_from_db()
    assert ticket.called_at == ticket.served_at == logged.logged_at


def test_another_communitys_request_never_closes_the_ticket(community, neighbour, item):
    ticket = take(community, item)
    stranger = make_user(community=neighbour)
    logged, _ = request_log.log_request(
        community_id=neighbour.pk,
        logged_by=stranger,
        now=NOW,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome="answered",
    )
    assert not queue.close_with(ticket.pk, logged)
    assert QueueTicket.objects.get().status == TicketStatus.WAITING


def test_the_board_shows_the_latest_called_first_and_the_next_waiting(community, worker, item):
    tickets = [take(community, item) for _ in range(8)]
    queue.call_next(community.pk, worker, NOW, counter=1)
    queue.call_next(community.pk, worker, NOW + dt.timedelta(minutes=1), counter=2)

    board = queue.board(community.pk, NOW + dt.timedelta(minutes=2))

    assert [t.label for t in board.called] == ["A002", "A001"]
    assert board.next_up == tickets[2 : 2 + queue.NEXT_SHOWN]
    assert board.waiting == 6


def test_a_community_with_no_tickets_has_nobody_waiting():
    assert queue.waiting_count(make_community().pk, NOW) == 0
