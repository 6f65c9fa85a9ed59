"""The demo's residents' voice: voting rounds, ratings and call-backs."""

import datetime as dt
import hashlib
import uuid

from django.utils import timezone

from desks.core.dates import Month
from desks.demo import COMMUNITIES, DEMO_NAMESPACE
from desks.models import (
    CallBack,
    Community,
    Level,
    MonthFigures,
    Rating,
    ServiceItem,
    ServiceRequest,
    User,
    Vote,
    VotingRound,
)
from desks.voice import feedback

WISHES = ["代缴水电费", "老年人智能手机教学", "理发", "法律咨询", "磨刀修伞"]
LEVEL_WEIGHTS = {
    Level.VERY_SATISFIED: 60,
    Level.SATISFIED: 25,
    Level.FAIRLY_SATISFIED: 10,
    Level.DISSATISFIED: 3,
    Level.VERY_DISSATISFIED: 2,
}
COMMENTS = {
    Level.VERY_SATISFIED: "社工很耐心，一次就办好了",
    Level.SATISFIED: "",
    Level.FAIRLY_SATISFIED: "材料清单可以再说清楚些",
    Level.DISSATISFIED: "排队时间较长，没有说明要带户口本",
    Level.VERY_DISSATISFIED: "来了两次还没办成",
}


def voting(rng):
    """For every community: last month's round, closed, with its menu; this month's, open."""
    created = 0
    zone = timezone.get_current_timezone()
    month = Month.containing(timezone.localdate())
    this_month, last_month = month.first_day, month.previous.first_day
    items = list(ServiceItem.objects.active().order_by("pk"))
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        rounds = []
        for title, first, closes in (
            (f"{last_month.year}年{last_month.month}月居民点单", last_month, this_month),
            (f"{this_month.year}年{this_month.month}月居民点单", this_month, None),
        ):
            opens_at = dt.datetime.combine(first, dt.time(9), tzinfo=zone)
            voting_round, new = VotingRound.objects.get_or_create(
                community=community,
                title=title,
                defaults={
                    "opens_at": opens_at,
                    "closes_at": dt.datetime.combine(closes, dt.time(9), tzinfo=zone)
                    if closes
                    else None,
                },
            )
            created += new
            rounds.append(voting_round)
        favourites = rng.sample(items, k=12)
        for voting_round in rounds:
            wanted = []
            for number in range(rng.randint(25, 45)):
                wish = rng.choice(WISHES) if rng.random() < 0.1 else ""
                key = f"{community.slug}/{voting_round.title}/{number}"
                wanted.append(
                    Vote(
                        round=voting_round,
                        service_item=None if wish else rng.choice(favourites),
                        wish=wish,
                        device_hash=hashlib.sha256(
                            uuid.uuid5(DEMO_NAMESPACE, key).bytes
                        ).hexdigest(),
                        created_at=voting_round.opens_at + dt.timedelta(hours=number),
                    )
                )
            existing = set(voting_round.votes.values_list("device_hash", flat=True))
            new_votes = [vote for vote in wanted if vote.device_hash not in existing]
            Vote.objects.bulk_create(new_votes)
            created += len(new_votes)
        closed = rounds[0]
        if not closed.menu.exists():
            created += len(feedback.use_top(closed))
    return created


def ratings(rng):
    """Every third request of the last month is rated; a poor rating has its call-back.

    Older call-backs were dealt with; the last week's are still open.
    """
    today = timezone.localdate()
    since = timezone.now() - dt.timedelta(days=30)
    ratings, call_backs = [], []
    levels, level_weights = zip(*LEVEL_WEIGHTS.items(), strict=True)
    rated = set(Rating.objects.values_list("request_id", flat=True))
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        head = User.objects.heads_of(community).order_by("pk").first()
        requests = list(
            ServiceRequest.objects.alive()
            .filter(community=community, logged_at__gte=since)
            .order_by("logged_at", "idempotency_key")[::3]
        )
        for number, request in enumerate(requests):
            # 和平社区's latest rating is the demo's 不满意: its head has an open call-back to show.
            level = (
                Level.DISSATISFIED
                if community.slug == "heping" and number == len(requests) - 1
                else rng.choices(levels, level_weights)[0]
            )
            if request.pk in rated:
                continue
            rating = Rating(
                request=request,
                level=level,
                comment=COMMENTS[level],
                rated_at=request.logged_at + dt.timedelta(hours=1),
            )
            ratings.append(rating)
            if rating.needs_call_back:
                done = timezone.localdate(rating.rated_at) < today - dt.timedelta(days=7)
                call_backs.append(
                    CallBack(
                        rating=rating,
                        owner=head,
                        due_on=feedback.call_back_due(timezone.localdate(rating.rated_at)),
                        created_at=rating.rated_at,
                        closed_at=rating.rated_at + dt.timedelta(days=2) if done else None,
                        closed_by=head if done else None,
                        resolution="已电话回访，向居民说明并致歉" if done else "",
                    )
                )
    Rating.objects.bulk_create(ratings)
    for call_back in call_backs:
        call_back.rating_id = call_back.rating.pk
    CallBack.objects.bulk_create(call_backs)
    # bulk_create sends no post_save: months the report keeps may have changed.
    MonthFigures.forget(
        (rating.request.community_id, rating.request.logged_at) for rating in ratings
    )
    return len(ratings) + len(call_backs)
