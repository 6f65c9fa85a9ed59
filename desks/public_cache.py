"""A small in-process cache in front of Django for anonymous GETs of public pages.

Why: the public pages are hit by every resident who wonders whether their centre
is open, and a cache hit inside Django (cache_page) still runs the whole
middleware stack. Measured on 2 cores (benchmarks/RESULTS.md), a hit cost about
0.6 ms against 0.12 ms for a constant WSGI response. Serving the stored bytes
before Django runs makes a hit nearly as cheap as a static response.

It only keeps what Django itself marked shareable: a 200 with
`Cache-Control: public, max-age=N`, no `Set-Cookie`, for a request that sent no
cookie and no htmx header, for N seconds. So nothing personal is ever stored, and
staff (who carry a session cookie) always reach Django.

When a kept page expires under load, one thread fetches the new copy while the
others go on answering with the old one for up to STALE_SECONDS (like nginx's
`proxy_cache_use_stale updating`): otherwise every thread of every process that
sees the expiry renders the page at the same moment, and the crowd waits on them.
"""

import re
import threading
import time
from dataclasses import dataclass

MAX_AGE = re.compile(r"max-age=(\d+)")
STALE_SECONDS = 10


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    expires: float


class PublicPageCache:
    def __init__(
        self, app, max_entries: int = 5000, max_bytes: int = 50_000_000, clock=time.monotonic
    ):
        self.app = app
        # Bounded in count and in bytes: `?date=` alone makes 36,500 valid pages, and
        # /api/hours/ is 150 kB each; a crawler must not fill a worker's memory.
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self.clock = clock
        self.entries: dict[tuple, Entry] = {}
        self.refreshing: dict[tuple, int] = {}  # page → the thread fetching its new copy
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or any(
            environ.get(header)
            for header in ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_HX_REQUEST")
        ):
            return self.app(environ, start_response)
        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
        entry = self.entries.get(key)
        if entry is not None and not self._must_refresh(key, entry, claim=method == "GET"):
            start_response(entry.status, list(entry.headers))
            return [b"" if method == "HEAD" else entry.body]
        if method == "HEAD":
            return self.app(environ, start_response)
        try:
            return self._fetch(key, environ, start_response)
        finally:
            if self.refreshing.get(key) == threading.get_ident():
                del self.refreshing[key]

    def _must_refresh(self, key, entry: Entry, claim: bool) -> bool:
        """Whether this request goes to Django, rather than answer with `entry`.

        A GET that finds the copy expired claims the refresh, unless another thread has.
        """
        now = self.clock()
        if now < entry.expires:
            return False
        if now >= entry.expires + STALE_SECONDS or not claim:
            return True  # too old to serve, even while someone is refreshing it
        with self.lock:
            if key in self.refreshing:
                return False  # another thread is on it: the old copy will do meanwhile
            self.refreshing[key] = threading.get_ident()
            return True

    def _fetch(self, key, environ, start_response):
        answer = {}

        def remember(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, remember)
        seconds = self._shareable_for(answer.get("status", ""), answer.get("headers", []))
        if not seconds:
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        with self.lock:
            if len(self.entries) >= self.max_entries or self.size + len(content) > self.max_bytes:
                self.entries.clear()  # crude, but bounded: entries live a minute anyway
                self.size = 0
            if key in self.entries:
                self.size -= len(self.entries[key].body)
            self.size += len(content)
            self.entries[key] = Entry(
                answer["status"], list(answer["headers"]), content, self.clock() + seconds
            )
        return [content]

    @staticmethod
    def _shareable_for(status: str, headers: list[tuple[str, str]]) -> int:
        """Seconds the response may be shared for, or 0 when it must not be kept."""
        if not status.startswith("200"):
            return 0
        named = {}
        for name, value in headers:
            named.setdefault(name.lower(), []).append(value)
        if "set-cookie" in named:
            return 0
        control = ", ".join(named.get("cache-control", []))
        if "public" not in control or "private" in control or "no-store" in control:
            return 0
        vary = {v.strip().lower() for value in named.get("vary", []) for v in value.split(",")}
        if vary - {"accept-language", ""}:
            return 0
        found = MAX_AGE.search(control)
        return int(found.group(1)) if found else 0
