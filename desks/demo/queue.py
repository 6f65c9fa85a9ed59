"""The demo's walk-in queue (叫号): numbers behind past walk-ins, and today's queue."""

import datetime as dt
import uuid
from collections import defaultdict

from django.utils import timezone

from desks import hours
from desks.demo import COMMUNITIES, DEMO_NAMESPACE
from desks.models import (
    Channel,
    Community,
    MonthFigures,
    QueueTicket,
    ServiceItem,
    ServiceRequest,
    TicketStatus,
)
from desks.models.queue import COUNTERS

# Past walk-ins with a number: the last two months, so the report compares two months.
HISTORY_DAYS = 62
# Today's queue at each open centre: served, then one called, then waiting.
TODAY_SERVED, TODAY_WAITING = 4, 5


def _token(community: Community, day: dt.date, number: int) -> str:
    return uuid.uuid5(DEMO_NAMESPACE, f"ticket:{community.slug}:{day}:{number}").hex


def _spread(key: uuid.UUID, low: int, high: int, salt: int = 0) -> int:
    """A number of minutes from `low` to `high` fixed by `key`: the same on every run."""
    return low + (key.int >> salt) % (high - low + 1)


def tickets() -> int:
    """Numbers for the walk-ins of the last HISTORY_DAYS (taken 2–25 minutes before their
    call, called 3–12 minutes before the request was logged) and, at every centre open
    today, today's queue. A day that has numbers already is left as it is."""
    today = timezone.localdate()
    communities = list(
        Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk")
    )
    taken_days = set(
        QueueTicket.objects.filter(community__in=communities).values_list("community_id", "day")
    )
    since = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    walk_ins = defaultdict(list)
    for request in (
        ServiceRequest.objects.alive()
        .filter(community__in=communities, channel=Channel.WALK_IN, logged_at__gte=since)
        .order_by("logged_at", "idempotency_key")
    ):
        walk_ins[request.community_id, timezone.localdate(request.logged_at)].append(request)
    new = []
    for (community_id, day), requests in walk_ins.items():
        if (community_id, day) in taken_days:
            continue
        community = next(c for c in communities if c.pk == community_id)
        numbered = []
        for request in requests:
            called_at = request.logged_at - dt.timedelta(
                minutes=_spread(request.idempotency_key, 3, 12)
            )
            taken_at = called_at - dt.timedelta(
                minutes=_spread(request.idempotency_key, 2, 25, salt=8)
            )
            numbered.append((taken_at, called_at, request))
        numbered.sort(key=lambda entry: (entry[0], entry[2].pk))
        for number, (taken_at, called_at, request) in enumerate(numbered, start=1):
            new.append(
                QueueTicket(
                    community=community,
                    day=day,
                    number=number,
                    service_item_id=request.service_item_id,
                    resident_id=request.resident_id,
                    token=_token(community, day, number),
                    status=TicketStatus.SERVED,
                    taken_at=taken_at,
                    called_at=called_at,
                    last_called_at=called_at,
                    called_by_id=request.logged_by_id,
                    counter=1 + number % COUNTERS,
                    served_at=request.logged_at,
                    request=request,
                )
            )
    items = list(ServiceItem.objects.in_extended_hours().order_by("pk"))
    opening = hours.OpeningHours(communities, today, today)
    for community in communities:
        windows = opening.day(community, today).windows
        if not windows or (community.pk, today) in taken_days or not items:
            continue
        start = windows[-1].bounds(today)[0]  # the evening's (or the afternoon's) window
        for number in range(1, TODAY_SERVED + TODAY_WAITING + 2):
            taken_at = start + dt.timedelta(minutes=3 * number)
            ticket = QueueTicket(
                community=community,
                day=today,
                number=number,
                service_item=items[(number * 7 + community.pk) % len(items)],
                token=_token(community, today, number),
                taken_at=taken_at,
            )
            if number <= TODAY_SERVED + 1:
                ticket.called_at = ticket.last_called_at = taken_at + dt.timedelta(minutes=8)
                ticket.counter = 1 + number % 2
                ticket.status = TicketStatus.CALLED
            if number <= TODAY_SERVED:
                ticket.status = TicketStatus.SERVED
                ticket.served_at = ticket.called_at + dt.timedelta(minutes=6)
            new.append(ticket)
    QueueTicket.objects.bulk_create(new)
    # bulk_create sends no post_save: months the report keeps may have changed.
    MonthFigures.forget((ticket.community_id, ticket.taken_at) for ticket in new)
    return len(new)
