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

Two lifetimes:
- PAGE_SECONDS, how long this cache keeps a page: "open now" turns to "closed" at a
  window's edge without any save, so a page may show the old status this long.
- SHARED_MAX_AGE, the `max-age` sent to nginx's proxy_cache and to browsers, which
  the purge cannot reach: a change made in the admin takes at most this long to get
  past them. Short, yet nginx still asks Django for a crowded page once per 10 s only.
"""

import functools
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from desks.models import (
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
SHARED_MAX_AGE = 10
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


def public_page(view):
    """GET/HEAD only, marked public for nginx and browsers, and kept by the middleware below."""

    @require_safe
    @functools.wraps(view)
    def public_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=SHARED_MAX_AGE)
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
        try:
            key = _page_key(request)
            kept = cache.get(key)
        except Exception:
            # The cache is down: residents still get their page, rendered afresh.
            logger.warning("The public pages' cache is unreachable", exc_info=True)
            return self.get_response(request)
        if kept is not None:
            return kept
        response = self.get_response(request)
        if _is_shareable(response):
            try:
                cache.set(key, response, PAGE_SECONDS)
            except Exception:
                logger.warning("The public pages' cache is unreachable", exc_info=True)
        return response


def _may_share(request: HttpRequest) -> bool:
    """Whether a copy kept for everyone may answer this request (and be made from it)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.headers.get(
        "HX-Request"
    )


def _page_key(request: HttpRequest) -> str:
    """The URL says it all: the language is in its path (/en/…), the page in its query."""
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"public-page:{generation()}:{url}"


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
