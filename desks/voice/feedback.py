"""Residents' voice: the rules for voting on the evening menu and rating a request.

Views call these; each workflow that writes more than one row is one transaction.
"""

import contextlib
import datetime as dt
import secrets

import segno
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from desks import hours
from desks.core import public_cache
from desks.models import (
    CallBack,
    Community,
    MenuItem,
    Rating,
    RatingInvitation,
    ServiceItem,
    ServiceRequest,
    User,
    Vote,
    VotingRound,
)
from desks.models.voice import MENU_SIZE, RATING_VALID_FOR

DEVICE_COOKIE = "voice_device"
DEVICE_COOKIE_AGE = 400 * 24 * 60 * 60  # browsers cap cookies at 400 days
# A call-back is due this many working days of the street office after the rating
# (desks.hours.working_days_after: the statutory calendar, not the desk's open days).
CALL_BACK_WORKING_DAYS = 3

# Requests per minute from one address before the endpoint answers 429.
VOTE_LIMIT = 10
RATING_LIMIT = 20
# Votes from one address in one round: a vote is one per device (cookie), and a new
# cookie is free, so an address is bounded too. Residents of one building or one
# phone network share an address: enough for them, not for a script.
VOTES_PER_ADDRESS = 20
# How long an address's count outlives its round; a round left open has none.
OPEN_ROUND_COUNT_SECONDS = 366 * 24 * 60 * 60


# Abuse


def is_rate_limited(scope: str, address: str, limit: int, now: dt.datetime) -> bool:
    """Count this request against `address` in the current minute; True once over `limit`.

    A fixed one-minute window in the shared cache: cheap, and good enough to
    stop a script flooding a public form. A cache that stores nothing limits nothing.
    """
    key = f"voice-limit:{scope}:{address}:{int(now.timestamp()) // 60}"
    cache.add(key, 0, timeout=60 + 1)
    try:
        return cache.incr(key) > limit
    except ValueError:
        return False


class TooManyVotesFromAddress(Exception):
    """The address has cast VOTES_PER_ADDRESS votes in the round already."""


def _round_count_key(voting_round: VotingRound, address: str) -> str:
    return f"voice-round:{voting_round.pk}:{address}"


def _take_round_vote(voting_round: VotingRound, address: str, now: dt.datetime) -> bool:
    """Count one more vote from `address` in the round; False once it has had its share.

    Atomic in the shared cache (`add`, then `incr`), so every worker and server counts
    together. A cache that stores nothing limits nothing.
    """
    key = _round_count_key(voting_round, address)
    if voting_round.closes_at is None:
        timeout = OPEN_ROUND_COUNT_SECONDS
    else:
        timeout = max(int((voting_round.closes_at - now).total_seconds()), 0) + 24 * 60 * 60
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key) <= VOTES_PER_ADDRESS
    except ValueError:
        return True


def _give_back_round_vote(voting_round: VotingRound, address: str) -> None:
    with contextlib.suppress(ValueError):  # the count expired meanwhile: nothing to give back
        cache.decr(_round_count_key(voting_round, address))


# Caches that count per process (or not at all): a limit there is no limit.
_UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def check_shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: the limits count in the cache, so it must be one for all workers."""
    if settings.CACHES["default"]["BACKEND"] in _UNSHARED_CACHES:
        return [
            checks.Warning(
                "The cache is per process (or off): each worker counts the vote and rating "
                "limits on its own.",
                hint="Set CACHE_URL=redis://127.0.0.1:6379/1 (docs/deploy.md).",
                id="desks.W002",
            )
        ]
    return []


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


def device_hash(token: str) -> str:
    """A keyed hash of the device cookie: the database never holds the cookie itself."""
    return salted_hmac("desks.voice.device", token, algorithm="sha256").hexdigest()


# 点单: voting rounds and the evening menu


def open_round(community: Community, now: dt.datetime) -> VotingRound | None:
    return VotingRound.objects.filter(community=community).open_at(now).first()


def next_round_change(community: Community, now: dt.datetime) -> dt.datetime | None:
    """The next moment after `now` a round of the community opens or closes (the
    community page shows the open round), or None."""
    later = VotingRound.objects.filter(community=community).aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
    )
    return min((moment for moment in later.values() if moment is not None), default=None)


def has_voted(voting_round: VotingRound, token: str | None) -> bool:
    return bool(token) and voting_round.votes.filter(device_hash=device_hash(token)).exists()


def cast_vote(
    voting_round: VotingRound,
    token: str,
    now: dt.datetime,
    service_item: ServiceItem | None = None,
    wish: str = "",
    *,
    address: str,
) -> Vote | None:
    """Store one device's vote; None when this device has voted in the round already.

    Raises TooManyVotesFromAddress, storing nothing, once `address` has cast
    VOTES_PER_ADDRESS votes in the round.
    """
    if not _take_round_vote(voting_round, address, now):
        raise TooManyVotesFromAddress
    vote = Vote(
        round=voting_round,
        service_item=service_item,
        wish=wish,
        device_hash=device_hash(token),
        created_at=now,
    )
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:
        _give_back_round_vote(voting_round, address)
        return None
    return vote


@transaction.atomic
def use_top(voting_round: VotingRound, size: int = MENU_SIZE) -> list[MenuItem]:
    """Make the round's menu its `size` most voted items, replacing any earlier pick."""
    voting_round.menu.all().delete()
    menu = MenuItem.objects.bulk_create(
        MenuItem(round=voting_round, service_item=item, position=position)
        for position, item in enumerate(voting_round.ranking()[:size])
    )
    # bulk_create sends no post_save: the community page shows this menu.
    transaction.on_commit(public_cache.purge)
    return menu


def tonight_menu(community: Community) -> list[ServiceItem]:
    """The services on the menu of the community's latest round that has one."""
    latest = (
        VotingRound.objects.filter(community=community, menu__isnull=False)
        .order_by("-opens_at")
        .values("pk")[:1]
    )
    return [
        entry.service_item
        for entry in MenuItem.objects.filter(round__in=latest).select_related("service_item")
    ]


# 好差评: rating a request


def invitation_for(request: ServiceRequest) -> RatingInvitation:
    """The request's rating link, made the first time it is asked for.

    It expires 7 days after the request was logged, however late it is shown.
    """
    invitation, _ = RatingInvitation.objects.get_or_create(
        request=request,
        defaults={
            "token": secrets.token_urlsafe(32),
            "expires_at": request.logged_at + RATING_VALID_FOR,
        },
    )
    return invitation


def find_invitation(token: str) -> RatingInvitation | None:
    """The invitation of a live request with this token, or None."""
    if not token or len(token) > 64:
        return None
    return (
        RatingInvitation.objects.select_related("request__community__street_office")
        .filter(ServiceRequest.alive_condition(through="request__"), token=token)
        .first()
    )


def qr_svg(url: str, title: str) -> str:
    """`url` as an inline SVG QR code: presentation attributes only, so the strict CSP holds.

    It has a viewBox and no size of its own: the page's stylesheet sizes it (svg.qr), and
    it scales instead of being cropped (the door poster prints it 40 mm wide).
    """
    code = segno.make(url, error="m")
    return code.svg_inline(
        scale=6,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )


def rating_link(http_request: HttpRequest, logged: ServiceRequest, now: dt.datetime) -> dict:
    """What the desk shows to let a resident rate `logged`: the link, its QR code, its state."""
    invitation = invitation_for(logged)
    with translation.override(settings.LANGUAGE_CODE):
        # Residents get the Chinese page, whatever language the worker uses.
        path = reverse("desks:rate", args=[invitation.token])
    url = http_request.build_absolute_uri(path)
    return {
        "rating_url": url,
        "rating_qr": qr_svg(url, _("QR code: rate this visit")),
        "rating_expires_at": invitation.expires_at,
        "rating_expired": invitation.has_expired(now),
        "rated": Rating.objects.filter(request=logged).exists(),
    }


@transaction.atomic
def rate(invitation: RatingInvitation, level: int, comment: str, now: dt.datetime) -> Rating | None:
    """Store the resident's rating; None when the request was rated already.

    不满意 or worse opens a call-back for the community head.
    """
    request = invitation.request
    rating = Rating(request=request, level=level, comment=comment, rated_at=now)
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        return None
    if rating.needs_call_back:
        CallBack.objects.create(
            rating=rating,
            owner=call_back_owner(request),
            due_on=call_back_due(timezone.localdate(now)),
            created_at=now,
        )
    return rating


def call_back_due(rated_on: dt.date) -> dt.date:
    """When a call-back for a rating given on `rated_on` is due: CALL_BACK_WORKING_DAYS
    working days of the street office later (the statutory calendar)."""
    return hours.working_days_after(rated_on, CALL_BACK_WORKING_DAYS)


def call_back_owner(request: ServiceRequest) -> User:
    """The community head; the worker who logged the request if the community has none."""
    head = User.objects.heads_of(request.community_id).order_by("pk").first()
    return head or request.logged_by


def call_back_queue(user: User, now: dt.datetime):
    """Open call-backs the user owns, and for a head every open one of their community."""
    if not user.community_id:
        return CallBack.objects.none()
    queue = CallBack.objects.open().filter(rating__request__community_id=user.community_id)
    if not user.is_head_of(user.community_id):
        queue = queue.filter(owner=user)
    return (
        queue.with_overdue(now)
        .select_related("rating__request__service_item", "rating__request__resident", "owner")
        .order_by("due_on", "created_at")
    )
