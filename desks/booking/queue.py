"""The walk-in queue (叫号): taking a number, calling the next, the wait.

Views call these. Numbers run from 1 per community and day; two takers at once never
share one (a unique constraint, and the loser takes the next); two workers calling at
once never get the same ticket (a conditional update, under SKIP LOCKED on PostgreSQL).
"""

import contextlib
import datetime as dt
import secrets
import statistics
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from desks import hours
from desks.models import (
    Community,
    MonthFigures,
    QueueTicket,
    ServiceItem,
    ServiceRequest,
    TicketStatus,
    User,
)
from desks.models.queue import TOKEN_BYTES, TOKEN_MAX_LENGTH

# Numbers one device may take at one centre in one day (a family's few matters), and one
# address (a building's or a phone network's residents share one): enough for people,
# not for a script. Counted in the shared cache, so every app server counts together.
TICKETS_PER_DEVICE = 3
TICKETS_PER_ADDRESS = 30
# Tries at the next number when another taker got it first.
NUMBER_TRIES = 10
# The wait is the tickets ahead times the centre's recent median service time: the time
# from a ticket's call to its request being logged, over its latest SERVICE_SAMPLE
# served tickets of the last SERVICE_PERIOD; DEFAULT_SERVICE_MINUTES until it has
# SERVICE_SAMPLE_MIN of them.
SERVICE_SAMPLE = 30
SERVICE_SAMPLE_MIN = 5
SERVICE_PERIOD = dt.timedelta(days=30)
DEFAULT_SERVICE_MINUTES = 6
# The TV shows the latest called numbers and the next few waiting.
CALLED_SHOWN = 4
NEXT_SHOWN = 5
# How often the resident's page, the TV and the desk's panel ask again (htmx polling).
POLL_SECONDS = 5

DEVICE_COOKIE = "queue_device"
DEVICE_COOKIE_AGE = 400 * 24 * 60 * 60  # browsers cap cookies at 400 days
TICKET_COOKIE = "queue_ticket"


class TooManyTickets(Exception):
    """The device or the address has taken its numbers for the day: nothing is stored.

    `limit` is the limit reached (TICKETS_PER_DEVICE or TICKETS_PER_ADDRESS)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def device_key(device_token: str) -> str:
    """A keyed hash of the device cookie: the shared cache never holds the cookie itself."""
    return salted_hmac("desks.queue.device", device_token, algorithm="sha256").hexdigest()


# Taking a number


def take_number(
    community: Community,
    service_item: ServiceItem,
    now: dt.datetime,
    *,
    taken_by: User | None = None,
    resident=None,
    due_at: dt.datetime | None = None,
    booking=None,
) -> QueueTicket:
    """Give the next number of the community's day for `service_item`.

    The next number is the day's highest plus one; when a concurrent taker stored it
    first, the unique (community, day, number) refuses this insert and it tries the
    next one, in a savepoint, so an outer transaction survives.
    """
    day = timezone.localdate(now)
    for _attempt in range(NUMBER_TRIES):
        highest = QueueTicket.objects.of_day(community.pk, day).aggregate(n=Max("number"))["n"]
        ticket = QueueTicket(
            community=community,
            day=day,
            number=(highest or 0) + 1,
            service_item=service_item,
            resident=resident,
            token=new_token(),
            taken_at=now,
            taken_by=taken_by,
            due_at=due_at,
            booking=booking,
        )
        try:
            with transaction.atomic():
                ticket.save(force_insert=True)
        except IntegrityError:
            continue
        return ticket
    raise IntegrityError(f"No free queue number after {NUMBER_TRIES} tries")


def _count_for_day(key: str, limit: int) -> bool:
    """One more for `key` today in the shared cache; False once over `limit`.

    Atomic (`add`, then `incr`) across workers and servers. A cache that stores nothing
    limits nothing.
    """
    cache.add(key, 0, timeout=2 * 24 * 60 * 60)
    try:
        return cache.incr(key) <= limit
    except ValueError:
        return True


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
        cache.decr(key)


def take_number_at_the_door(
    community: Community,
    service_item: ServiceItem,
    now: dt.datetime,
    *,
    device: str,
    address: str,
) -> QueueTicket:
    """A resident's own number (self-service), within the day's limits per device
    (TICKETS_PER_DEVICE; `device` is the cookie's token, counted by its `device_key`) and
    per address (TICKETS_PER_ADDRESS); raises TooManyTickets, storing nothing and counting
    nothing, when either is reached."""
    day = timezone.localdate(now).isoformat()
    device_count = f"queue-limit:device:{community.pk}:{day}:{device_key(device)}"
    address_key = f"queue-limit:address:{community.pk}:{day}:{address}"
    if not _count_for_day(device_count, TICKETS_PER_DEVICE):
        _give_back(device_count)
        raise TooManyTickets(TICKETS_PER_DEVICE)
    if not _count_for_day(address_key, TICKETS_PER_ADDRESS):
        _give_back(address_key)
        _give_back(device_count)
        raise TooManyTickets(TICKETS_PER_ADDRESS)
    return take_number(community, service_item, now)


def opening_status(community: Community, now: dt.datetime) -> hours.Status:
    """Whether the centre is open now (desks.hours), and when it opens next: residents
    take their own number only while it is open."""
    today = timezone.localdate(now)
    opening = hours.OpeningHours([community], today, today + dt.timedelta(days=14))
    return hours.status_at(opening, community, now)


def find_ticket(community_slug: str, token: str) -> QueueTicket | None:
    """The ticket with this token at this centre, or None (a forged or foreign token)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        QueueTicket.objects.select_related("community", "service_item")
        .filter(token=token, community__slug=community_slug)
        .first()
    )


# The wait


def service_minutes(community_id: int, now: dt.datetime) -> float:
    """The community's median minutes from call to logged request, over its latest
    SERVICE_SAMPLE served tickets of the last SERVICE_PERIOD (DEFAULT_SERVICE_MINUTES
    with fewer than SERVICE_SAMPLE_MIN). One query, of at most SERVICE_SAMPLE rows."""
    spans = list(
        QueueTicket.objects.filter(
            community_id=community_id,
            status=TicketStatus.SERVED,
            served_at__gte=now - SERVICE_PERIOD,
            served_at__lte=now,
        )
        .order_by("-served_at")
        .values_list("called_at", "served_at")[:SERVICE_SAMPLE]
    )
    minutes = [
        (served - called).total_seconds() / 60
        for called, served in spans
        if called is not None and served >= called
    ]
    if len(minutes) < SERVICE_SAMPLE_MIN:
        return DEFAULT_SERVICE_MINUTES
    return statistics.median(minutes)


@dataclass(frozen=True)
class Wait:
    """What the resident's page says: how many are ahead, and about how long."""

    ticket: QueueTicket
    ahead: int
    minutes: int

    @property
    def is_next(self) -> bool:
        return self.ticket.is_waiting and self.ahead == 0


def wait_for(ticket: QueueTicket, now: dt.datetime) -> Wait:
    """The ticket's place at `now`: tickets called before it (QueueTicketQuerySet.ahead_of)
    and their estimated minutes (ahead × service_minutes, rounded up). Two queries."""
    if not ticket.is_waiting:
        return Wait(ticket, 0, 0)
    ahead = QueueTicket.objects.ahead_of(ticket, now).count()
    minutes = -(-ahead * service_minutes(ticket.community_id, now) // 1) if ahead else 0
    return Wait(ticket, ahead, int(minutes))


def waiting_count(community_id: int, now: dt.datetime) -> int:
    return QueueTicket.objects.of_day(community_id, timezone.localdate(now)).waiting().count()


@dataclass(frozen=True)
class Board:
    """What the TV by the door shows: the latest called numbers and the next waiting."""

    called: list[QueueTicket]
    next_up: list[QueueTicket]
    waiting: int


def board(community_id: int, now: dt.datetime) -> Board:
    """The TV's numbers: three queries, however long the queue."""
    today = QueueTicket.objects.of_day(community_id, timezone.localdate(now))
    called = list(today.filter(status=TicketStatus.CALLED).order_by("-last_called_at", "-pk"))
    waiting = today.waiting()
    return Board(
        called=called[:CALLED_SHOWN],
        next_up=list(waiting.in_call_order(now)[:NEXT_SHOWN]),
        waiting=waiting.count(),
    )


# The desk


def desk_queue(community_id: int, now: dt.datetime):
    """Today's open tickets at the desk: called and skipped ones, then the waiting in call
    order (the panel lists them)."""
    today = QueueTicket.objects.of_day(community_id, timezone.localdate(now)).select_related(
        "service_item"
    )
    return {
        "called": list(
            today.filter(status__in=[TicketStatus.CALLED, TicketStatus.SKIPPED]).order_by(
                "status", "-last_called_at"
            )
        ),
        "waiting": today.waiting().in_call_order(now),
    }


def call_next(community_id: int, user: User, now: dt.datetime, counter: int | None = None):
    """Call the first waiting ticket in call order to `counter`; None when nobody waits.

    Two workers calling at once get different tickets: the candidate is read with
    SKIP LOCKED (PostgreSQL) and taken with an update that only succeeds while it is
    still waiting, else the next candidate is tried.
    """
    waiting = QueueTicket.objects.of_day(community_id, timezone.localdate(now)).waiting()
    for _attempt in range(NUMBER_TRIES):
        with transaction.atomic():
            ticket = (
                waiting.in_call_order(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("service_item", "resident")
                .first()
            )
            if ticket is None:
                return None
            taken = QueueTicket.objects.filter(pk=ticket.pk, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED,
                called_at=now,
                last_called_at=now,
                called_by=user,
                counter=counter,
            )
        if taken:
            MonthFigures.forget([(ticket.community_id, ticket.taken_at)])
            ticket.status, ticket.called_at, ticket.last_called_at = TicketStatus.CALLED, now, now
            ticket.called_by, ticket.counter = user, counter
            return ticket
    return None


def skip(ticket: QueueTicket) -> bool:
    """过号: the called resident did not come; the ticket may be recalled later today."""
    return _move(ticket, [TicketStatus.CALLED], status=TicketStatus.SKIPPED)


def recall(ticket: QueueTicket, user: User, now: dt.datetime, counter: int | None = None) -> bool:
    """Call a called or skipped ticket again (the TV shows it on top once more)."""
    fields = {"status": TicketStatus.CALLED, "last_called_at": now, "called_by": user}
    if counter is not None:
        fields["counter"] = counter
    return _move(ticket, [TicketStatus.CALLED, TicketStatus.SKIPPED], **fields)


def _move(ticket: QueueTicket, from_statuses, **fields) -> bool:
    """Change the ticket only if it is still in one of `from_statuses` (another desk may
    have moved it meanwhile); True if it changed."""
    changed = QueueTicket.objects.filter(pk=ticket.pk, status__in=from_statuses).update(**fields)
    if changed:
        for name, value in fields.items():
            setattr(ticket, name, value)
    return bool(changed)


def close_with(ticket_id: int, logged: ServiceRequest) -> bool:
    """Logging the request at the desk closes the ticket it served: the ticket of the
    same community, not served yet, is linked to the request. A repeat does nothing."""
    return _close(QueueTicket.objects.filter(pk=ticket_id), logged)


def close_booked(logged: ServiceRequest) -> bool:
    """The request honoured a booking (desks.booking.bookings.honour): the booked
    resident's ticket, taken when they arrived, is served with it."""
    return _close(QueueTicket.objects.filter(booking__request=logged), logged)


def _close(tickets, logged: ServiceRequest) -> bool:
    served = tickets.filter(
        Q(status__in=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SKIPPED]),
        community_id=logged.community_id,
        request__isnull=True,
    )
    now = logged.logged_at
    # A ticket served without being called was called when it was served.
    changed = served.filter(called_at__isnull=True).update(
        status=TicketStatus.SERVED, called_at=now, last_called_at=now, served_at=now, request=logged
    )
    changed += served.update(status=TicketStatus.SERVED, served_at=now, request=logged)
    if changed:
        # A ticket served without a call got its first call: its month's waits moved.
        # A ticket may be of an earlier day (and month) than the request: ask which.
        closed = QueueTicket.objects.filter(request=logged).values_list("community_id", "taken_at")
        MonthFigures.forget(closed)
    return bool(changed)
