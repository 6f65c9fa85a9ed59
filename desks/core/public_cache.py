"""The one page cache of the public pages, purged whenever what they show changes.

Public pages (`/`, `/c/<slug>/`, its calendar feed and door poster, `/api/hours/`, in
both languages) are kept in Django's cache: one shared cache for every app server when
CACHE_URL points at Redis, one per process with the default locmem://.

Purge: every key holds the current *public generation*, a number kept in the same
cache. Saving or deleting anything a public page shows (PUBLIC_MODELS) bumps it once
the transaction commits, so every app server reads new keys at once and the old
pages are never read again; they simply expire. Bumping only after the commit
means no page rendered from the old rows can be stored under the new number.

Views opt in with @public_page; PublicPageCacheMiddleware keeps their finished
responses. Only what is the same for everyone is kept: a 200 from a public view,
without Set-Cookie, varying on nothing but the language, for a GET or HEAD that
carries no session cookie and no htmx header.

How long a kept page lives, and what nginx and browsers are told:
- A page that depends on the moment ("open now", "opens at 18:00", today's date) says
  when its answer expires: the view sets `response.public_expires_at`, the earliest
  `Status.next_change` of anything it shows or the next midnight (expire_at below).
  No copy outlives it: the middleware keeps the page no longer, never serves a kept
  copy at or after it (whatever the cache's own timer says), and sends a max-age
  that ends before it; within a second of it, nothing is kept and max-age is 0.
  So at 20:00:00 nobody is told "open".
- PAGE_SECONDS, how long a shared cache (Redis) keeps a page at most; the purge
  reaches every app server at once.
- LOCAL_PAGE_SECONDS with a per-process cache (locmem://, the default): a purge in
  one process cannot reach the others, so each keeps a page this long at most, which
  is how long a change may take to reach every process.
- SHARED_MAX_AGE, the `max-age` sent to nginx's proxy_cache and to browsers, which
  the purge cannot reach either. Together: a change made in the admin reaches
  residents within 5 s (SHARED_MAX_AGE, or LOCAL_PAGE_SECONDS, whichever applies:
  nginx asks Django for a page it let expire, and Django answers it fresh).
"""

import datetime as dt
import functools
import hashlib
import logging
import math
import secrets

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from desks.models import (
    BookingCapacity,
    CalendarDay,
    Community,
    DateOverride,
    HolidayArrangement,
    MenuItem,
    ServiceCategory,
    ServiceItem,
    StreetOffice,
    VotingRound,
    WeeklyWindow,
)

logger = logging.getLogger(__name__)

PAGE_SECONDS = 60
LOCAL_PAGE_SECONDS = 5
SHARED_MAX_AGE = 5
GENERATION_KEY = "public-pages:generation"

# Everything a public page shows: opening hours (weekly windows, date overrides,
# calendar corrections, confirmed holiday arrangements, the office's holiday rule),
# the offices' and centres' names, addresses and phones, the service guide ("what to
# bring"), the evening menu and the open voting round. None has a many-to-many field;
# MenuItem's bulk_create in desks/voice/feedback.py purges by hand.
PUBLIC_MODELS = (
    StreetOffice,
    Community,
    WeeklyWindow,
    DateOverride,
    CalendarDay,
    HolidayArrangement,
    ServiceCategory,
    ServiceItem,
    VotingRound,
    MenuItem,
    BookingCapacity,  # whether a centre's page links to 预约
)


def generation() -> int:
    """The current public generation, started at random when the cache has none.

    Starting at random, not at 1, means a cache that lost the number (a Redis restart,
    an eviction) does not return to a number whose pages it may still hold.
    """
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, _fresh_start(), timeout=None)
        current = cache.get(GENERATION_KEY, 0)
    return current


def purge() -> None:
    """Make every app server render the public pages again on their next request.

    A cache that cannot be reached is logged, not raised: the change is saved, and the
    pages kept before it expire on their own within PAGE_SECONDS.
    """
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no number yet (or a cache that keeps nothing)
            cache.add(GENERATION_KEY, _fresh_start(), timeout=None)
    except Exception:
        logger.exception("The public pages' cache could not be purged")


def _fresh_start() -> int:
    return secrets.randbits(52)


def purge_after_commit(**kwargs) -> None:
    """Signal receiver: purge once the change is visible to every other connection."""
    transaction.on_commit(purge, using=kwargs.get("using"))


def connect_receivers() -> None:
    """Purge on every save and delete of PUBLIC_MODELS (called once, from DesksConfig)."""
    for model in PUBLIC_MODELS:
        uid = f"public_cache.{model._meta.label_lower}"
        post_save.connect(purge_after_commit, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(purge_after_commit, sender=model, dispatch_uid=f"{uid}.delete")


def expire_at(response: HttpResponse, *moments: dt.datetime | None) -> HttpResponse:
    """Say when `response`'s answer stops being true: the earliest of `moments` (aware;
    None means "not before anything else")."""
    known = [moment for moment in moments if moment is not None]
    if current := getattr(response, "public_expires_at", None):
        known.append(current)
    response.public_expires_at = min(known, default=None)
    return response


def seconds_left(expires_at: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole seconds from `now` until `expires_at` (rounded down; None when it never does)."""
    if expires_at is None:
        return None
    return max(0, math.floor((expires_at - now).total_seconds()))


def max_age(expires_at: dt.datetime | None, now: dt.datetime) -> int:
    """The max-age for nginx and browsers: SHARED_MAX_AGE, never past the expiry."""
    left = seconds_left(expires_at, now)
    return SHARED_MAX_AGE if left is None else min(SHARED_MAX_AGE, left)


def keep_seconds(expires_at: dt.datetime | None, now: dt.datetime) -> int:
    """How long this process's cache may keep a page (0: not at all)."""
    limit = LOCAL_PAGE_SECONDS if isinstance(caches["default"], LocMemCache) else PAGE_SECONDS
    left = seconds_left(expires_at, now)
    return limit if left is None else min(limit, left)


def public_page(view):
    """GET/HEAD only, marked public for nginx and browsers, and kept by the middleware below."""

    @require_safe
    @functools.wraps(view)
    def public_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            expires_at = getattr(response, "public_expires_at", None)
            patch_cache_control(response, public=True, max_age=max_age(expires_at, timezone.now()))
            response.is_public_page = True
        else:
            patch_cache_control(response, public=True)
        return response

    return public_view


class PublicPageCacheMiddleware:
    """Answers a kept public page before the rest of Django runs, and keeps new ones.

    It sits near the top of MIDDLEWARE so that a hit skips sessions, CSRF, locale,
    auth and the rest (about 3× the pages a second than a cache inside the view), and
    so that what it keeps is the finished response, with every header the other
    middleware add. It reads the generation before the page is rendered, so a page
    rendered while a change commits is stored under the old number and never read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not _may_share(request):
            return self.get_response(request)
        # The URL says it all: the language is in its path (/en/…), the page in its query.
        # Outside the try: a bad Host header is the client's error (400), not the cache's.
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        try:
            key = f"public-page:{generation()}:{url}"
            kept = cache.get(key)
        except Exception:
            # The cache is down: residents still get their page, rendered afresh.
            logger.warning("The public pages' cache is unreachable", exc_info=True)
            return self.get_response(request)
        now = timezone.now()
        if kept is not None and _still_true(kept, now):
            response = kept["response"]
            patch_cache_control(response, max_age=max_age(kept["until"], now))
            return response
        response = self.get_response(request)
        expires_at = getattr(response, "public_expires_at", None)
        if _is_shareable(response) and (seconds := keep_seconds(expires_at, now)):
            # Served later, the copy is true until then only (never past its expiry;
            # with locmem no purge reaches it): nginx and browsers hear no longer.
            until = now + dt.timedelta(seconds=seconds)
            try:
                cache.set(key, {"response": response, "until": until}, seconds)
            except Exception:
                logger.warning("The public pages' cache is unreachable", exc_info=True)
        return response


def _still_true(kept, now: dt.datetime) -> bool:
    """Whether a kept copy may answer at `now`: the cache's own timer counts whole
    seconds (Redis), so the time the copy is true until is checked here too."""
    if not isinstance(kept, dict) or "until" not in kept:
        return False  # a page kept by an older release
    return now < kept["until"]


def _may_share(request: HttpRequest) -> bool:
    """Whether a copy kept for everyone may answer this request (and be made from it)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.headers.get(
        "HX-Request"
    )


def _is_shareable(response: HttpResponse) -> bool:
    """A public page that is the same for everyone: a 200 that sets no cookie and did
    not read the session (which would have added `Vary: Cookie`)."""
    vary = {value.strip().lower() for value in response.get("Vary", "").split(",")}
    return (
        getattr(response, "is_public_page", False)
        and response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and vary <= {"", "accept-language"}
    )
