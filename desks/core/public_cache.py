"""The one page cache of the public pages, purged whenever what they show changes.

Public pages (`/`, `/c/<slug>/`, its calendar feed, `/api/hours/`, in both
languages) are kept in Django's cache: one shared cache for every app server when
CACHE_URL points at Redis, one per process with the default locmem://.

Purge: every key holds the current *public generation*, a number kept in the same
cache. Saving or deleting anything a public page shows (PUBLIC_MODELS) bumps it once
the transaction commits, so every app server reads new keys at once and the old
pages are never read again; they simply expire. Bumping only after the commit
means no page rendered from the old rows can be stored under the new number.

Only what is the same for everyone is kept: a 200 marked `Cache-Control: public`,
without Set-Cookie, varying on nothing but the language, for a GET or HEAD that
carries no session cookie and no htmx header.

Two lifetimes:
- PAGE_SECONDS, how long this cache keeps a page: "open now" turns to "closed" at a
  window's edge without any save, so a page may show the old status this long.
- SHARED_MAX_AGE, the `max-age` sent to nginx's proxy_cache and to browsers, which
  the purge cannot reach: a change made in the admin takes at most this long to get
  past them. Short, yet nginx still renders a crowded page once per 10 s, not per hit.
"""

import functools
import hashlib
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
    MenuItem,
    ServiceCategory,
    ServiceItem,
    StreetOffice,
    VotingRound,
    WeeklyWindow,
)

PAGE_SECONDS = 60
SHARED_MAX_AGE = 10
GENERATION_KEY = "public-pages:generation"

# Everything a public page shows: opening hours (weekly windows, date overrides,
# calendar corrections, the office's holiday rule), the offices' and centres' names,
# addresses and phones, the service guide ("what to bring"), the evening menu and the
# open voting round. None has a many-to-many field; MenuItem's bulk_create in
# desks/voice/feedback.py purges by hand.
PUBLIC_MODELS = (
    StreetOffice,
    Community,
    WeeklyWindow,
    DateOverride,
    CalendarDay,
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
    """Make every app server render the public pages again on their next request."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no number yet (or a cache that keeps nothing)
        cache.add(GENERATION_KEY, _fresh_start(), timeout=None)


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
    """GET/HEAD only, kept in the page cache, and marked public for nginx and browsers."""

    @require_safe
    @functools.wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = _page_key(request) if _may_share(request) else None
        if key is not None and (response := cache.get(key)) is not None:
            return response
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            patch_cache_control(response, public=True)
            return response
        patch_cache_control(response, public=True, max_age=SHARED_MAX_AGE)
        if key is not None and _is_shareable(request, response):
            cache.set(key, response, PAGE_SECONDS)
        return response

    return cached_view


def _may_share(request: HttpRequest) -> bool:
    """Whether a copy kept for everyone may answer this request (and be made from it)."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.headers.get(
        "HX-Request"
    )


def _page_key(request: HttpRequest) -> str:
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"public-page:{generation()}:{request.LANGUAGE_CODE}:{url}"


def _is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether the page is the same for everyone: Django would otherwise add a cookie or a
    `Vary: Cookie` on the way out, after this cache has seen the response."""
    vary = {value.strip().lower() for value in response.get("Vary", "").split(",")}
    session = getattr(request, "session", None)
    return (
        not response.cookies
        and not (session is not None and session.accessed)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(response, "streaming", False)
        and vary <= {"", "accept-language"}
    )
