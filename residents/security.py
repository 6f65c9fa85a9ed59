"""Hardening of staff sign-in: lockout, session limits, no caching of desk pages."""

import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come through a web request.

    Code that authenticates without a request (the test client, a shell) cannot
    be brute-forced from outside, so it skips the check instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def start_session_clock(sender, request, user, **kwargs):
    """A new sign-in starts the session's clock again, even if the browser kept its session."""
    now = time.time()
    request.session["signed_in_at"] = now
    request.session["last_seen_at"] = now


class StaffSessionMiddleware:
    """Sign staff out after SESSION_IDLE_SECONDS idle or SESSION_MAX_SECONDS in all.

    Every page a signed-in user sees may show residents' data, so none of them
    may be kept by the browser or a proxy (`Cache-Control: no-store`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in: leave the session untouched, so
        # public pages stay free of `Vary: Cookie` and can be cached.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES and (
            request.user.is_authenticated
        )
        if signed_in:
            self._expire_or_touch(request, time.time())
        response = self.get_response(request)
        if signed_in and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    def _expire_or_touch(self, request, now):
        session = request.session
        signed_in_at = session.setdefault("signed_in_at", now)
        last_seen_at = session.get("last_seen_at", now)
        if now - last_seen_at > settings.SESSION_IDLE_SECONDS:
            logout(request)
            minutes = settings.SESSION_IDLE_SECONDS // 60
            messages.info(
                request,
                _("You were signed out after %(minutes)d minutes without activity.")
                % {"minutes": minutes},
            )
        elif now - signed_in_at > settings.SESSION_MAX_SECONDS:
            logout(request)
            hours = settings.SESSION_MAX_SECONDS // 3600
            messages.info(
                request,
                _("You were signed out: a session lasts at most %(hours)d hours.")
                % {"hours": hours},
            )
        elif now - last_seen_at >= 60 or "last_seen_at" not in session:
            # At most one session write a minute, not one per keystroke of an htmx search.
            session["last_seen_at"] = now
