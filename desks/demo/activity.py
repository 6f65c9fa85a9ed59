"""The demo's past: a few months of rota, duty served, leave and logged requests."""

import datetime as dt
import uuid

from django.utils import timezone

from desks.core.dates import Month, day_bounds, first_of_month
from desks.demo import COMMUNITIES, DEMO_NAMESPACE
from desks.desk.request_log import FOLLOW_UP_DAYS
from desks.models import (
    Absence,
    Assignment,
    Channel,
    Community,
    CompLeave,
    FollowUp,
    MonthFigures,
    Outcome,
    RotaMonth,
    ServiceItem,
    ServiceRequest,
    SlotKind,
    SwapRequest,
    User,
)
from desks.rota.comp_time import balance, request_leave
from desks.rota.duty import RotaError, ask_swap, check_in, confirm_served, make_slots
from desks.rota.planning import generate_month, publish

OUTCOME_WEIGHTS = {
    Outcome.ANSWERED: 50,
    Outcome.DONE: 30,
    Outcome.ACCEPTED: 15,
    Outcome.REFERRED: 5,
}
CHANNEL_WEIGHTS = {Channel.WALK_IN: 80, Channel.PHONE: 15, Channel.HOME_VISIT: 5}
HISTORY_MONTHS = 3


def history_months(today: dt.date) -> list[dt.date]:
    """The first days of the HISTORY_MONTHS months before `today`'s, and of its own."""
    months = [Month.containing(today)]
    for _ in range(HISTORY_MONTHS):
        months.insert(0, months[0].previous)
    return [month.first_day for month in months]


def _demo_key(community, slot, number):
    # A timestamp, not isoformat(): slots read back from the database are in UTC.
    return uuid.uuid5(DEMO_NAMESPACE, f"{community.slug}/{slot.starts_at.timestamp():.0f}/{number}")


def request_history(rng):
    """A few months of logged requests in every past slot, so the desk and reports have data.

    Each request's form key is derived from its slot and number, so a second
    run finds them all and adds none.
    """
    today = timezone.localdate()
    first = history_months(today)[0]
    items = list(ServiceItem.objects.in_extended_hours().order_by("pk"))
    weights = [rng.choice((1, 2, 3, 8)) for _ in items]  # some matters are far more common
    outcomes, outcome_weights = zip(*OUTCOME_WEIGHTS.items(), strict=True)
    channels, channel_weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    wanted = []
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        workers = list(User.objects.planned_workers(community).order_by("pk"))
        residents = list(community.residents.order_by("pk"))
        for slot in make_slots(community, first, today - dt.timedelta(days=1)):
            minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
            for number in range(rng.randint(0, 6 if slot.kind == SlotKind.EVENING else 12)):
                anonymous = rng.random() < 0.3
                wanted.append(
                    ServiceRequest(
                        community=community,
                        service_item=rng.choices(items, weights)[0],
                        resident=None if anonymous else rng.choice(residents),
                        channel=rng.choices(channels, channel_weights)[0],
                        outcome=rng.choices(outcomes, outcome_weights)[0],
                        count=rng.choice((1, 1, 1, 1, 2, 3)),
                        logged_at=slot.starts_at + dt.timedelta(minutes=rng.randrange(minutes)),
                        logged_by=rng.choice(workers),
                        slot=slot,
                        idempotency_key=_demo_key(community, slot, number),
                    )
                )
    existing = set(
        ServiceRequest.objects.filter(
            idempotency_key__in=[request.idempotency_key for request in wanted]
        ).values_list("idempotency_key", flat=True)
    )
    new = [request for request in wanted if request.idempotency_key not in existing]
    ServiceRequest.objects.bulk_create(new)
    follow_ups = [
        FollowUp(
            request=request,
            community_id=request.community_id,
            owner=request.logged_by,
            due_on=timezone.localdate(request.logged_at) + dt.timedelta(days=FOLLOW_UP_DAYS),
            created_at=request.logged_at,
            # Older ones were dealt with; the last week's are still open.
            closed_at=request.logged_at + dt.timedelta(days=2)
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else None,
            closed_by=request.logged_by
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else None,
            resolution="已电话告知居民办理结果"
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else "",
        )
        for request in new
        if request.outcome == Outcome.ACCEPTED
    ]
    FollowUp.objects.bulk_create(follow_ups)
    # bulk_create sends no post_save: months the report keeps may have changed.
    MonthFigures.forget((request.community_id, request.logged_at) for request in new)
    return len(new) + len(follow_ups)


def rota(now):
    """Past months' and this month's rota published, next month's as a draft, some leave,
    served duty up to the day before yesterday.

    Each month is generated once, when its RotaMonth is first made; its leave is
    entered just before, so the rota respects it and a later run adds nothing.
    """
    created = 0
    this_month = first_of_month(timezone.localdate(now))
    next_month = Month.containing(this_month).next.first_day
    past_months = history_months(this_month)
    plan = [(month, True) for month in past_months] + [(next_month, False)]
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]):
        head = User.objects.heads_of(community).get()
        for month, published in plan:
            if RotaMonth.objects.filter(community=community, month=month).exists():
                continue
            created += _leave(community, month)
            # Planned the day before the month begins, as a head would; next month's
            # draft is being planned now, not on a day still to come.
            planned_at = min(Month.containing(month).bounds()[0] - dt.timedelta(days=1), now)
            # The months gone by are history: the quick greedy pass plans them, so the
            # demo seeds in seconds; next month's draft gets the planner's full search.
            result = generate_month(community, month, planned_at, seconds=0 if published else None)
            created += 1 + result.assigned
            if published:
                publish(result.rota_month, head, planned_at)
        created += _served(community, head, past_months[0], now)
    created += _pending_requests(now)
    return created


def _leave(community, month):
    """Two workers away for a few days early in the month: one on leave, one unavailable."""
    workers = list(User.objects.planned_workers(community).order_by("pk")[:2])
    created = 0
    for worker, start, kind, reason in zip(
        workers,
        (3, 6),
        (Absence.Kind.LEAVE, Absence.Kind.UNAVAILABLE),
        ("年假", "参加区里业务培训"),
        strict=False,
    ):
        first_day = month + dt.timedelta(days=start)
        _, new = Absence.objects.get_or_create(
            worker=worker,
            first_day=first_day,
            kind=kind,
            defaults={"last_day": first_day + dt.timedelta(days=2), "reason": reason},
        )
        created += new
    return created


def _served(community, head, month, now):
    """The month's finished slots were served: checked in at the desk, one confirmed by the head.

    The last two days' are left for the head to confirm, as happens when a tablet is down.
    """
    created = 0
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    until = day_bounds(yesterday)[0]
    finished = Assignment.objects.filter(
        slot__community=community,
        starts_at__gte=Month.containing(month).bounds()[0],
        ends_at__lte=until,
    ).order_by("starts_at", "worker")
    for number, assignment in enumerate(finished):
        if assignment.is_served:
            continue
        if number == 0:
            confirm_served(assignment, head, now)
        else:
            check_in(assignment, assignment.starts_at + dt.timedelta(minutes=5))
            assignment.checked_out_at = assignment.ends_at
            assignment.save(update_fields=["checked_out_at"])
        created += 1
    return created


def _pending_requests(now):
    """A swap waiting for a colleague, and a comp leave waiting for the head, in 和平社区."""
    created = 0
    requester = User.objects.filter(username="heping-3").first()
    if requester and not SwapRequest.objects.filter(requester=requester).exists():
        mine = Assignment.objects.filter(worker=requester, starts_at__gt=now).first()
        colleagues = User.objects.planned_workers(requester.community_id)
        if mine:
            colleague = (
                colleagues.exclude(pk=requester.pk)
                .exclude(assignments__slot__date=mine.slot.date)
                .order_by("pk")
                .first()
            )
            try:
                ask_swap(requester, mine.slot, colleague, now, note="家里有事，想和你换个班")
                created += 1
            except RotaError:
                pass
    for username in ("heping-1", "heping-2"):
        worker = User.objects.filter(username=username).first()
        asked = CompLeave.objects.filter(worker=worker).exists()
        if worker and not asked and balance(worker).available >= 2:
            request_leave(worker, timezone.localdate(now) + dt.timedelta(days=10), 2, now)
            created += 1
    return created


# Residents' voice: a closed round with its menu, an open round, and ratings.
