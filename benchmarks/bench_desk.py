"""The desk under load: htmx log POST against the full desk page, then 20 workers at once.

    .venv/bin/python benchmarks/bench_desk.py --database servicedesk_bench --seconds 120

1. Server time, one client: GET /desk/ (the full page) and the htmx POST to
   /desk/requests/ (desks:log), median of --repeat each, as seen by the client.
2. Burst: --workers workers each post at the same instant, --rounds times: p95.
3. Load: --workers distinct logged-in duty workers (one per community) post for
   --seconds, each on its own keep-alive connection; every
   tenth POST is sent twice with the same idempotency_key (a deliberate retry).
   Prints p50/p95/p99, the status codes, and checks that the rows stored equal
   the distinct keys that got a 200: nothing lost, nothing doubled.

All of it goes through nginx configured as docs/deploy.md does (benchmarks/nginx.py)
in front of gunicorn and PostgreSQL: the way a desk's browser reaches the app. nginx
hands each request to whichever gunicorn worker takes it first; straight to
gunicorn, each kept-alive connection stays with the worker that accepted it, and
20 at once queue behind the busiest worker (p95 1,145 ms against 321 ms for fresh
connections, same run conditions).
"""

import argparse
import datetime as dt
import http.client
import statistics
import threading
import time
import urllib.parse
import uuid
from collections import Counter

from django_setup import percentile, setup
from nginx import nginx
from server import gunicorn

CSRF = "b" * 32  # an unmasked CSRF secret: cookie and header must match


def sessions_for(usernames, code=None):
    """A signed-in session cookie per user, made directly (logins are not what we measure),
    for a server running this checkout, or the checkout `code` (the release compared with)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from desks.models import User

    backend = settings.AUTHENTICATION_BACKENDS[-1]
    if code is not None and backend not in (code / "servicedesk/settings.py").read_text():
        backend = "django.contrib.auth.backends.ModelBackend"  # before desks.core.access's
    cookies = {}
    for user in User.objects.filter(username__in=usernames):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies[user.username] = f"sessionid={session.session_key}; csrftoken={CSRF}"
    return [cookies[name] for name in usernames]


class Desk:
    def __init__(self, port, cookie):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = cookie

    def get_page(self):
        return self._send("GET", "/desk/", None, {})

    def post(self, key):
        body = urllib.parse.urlencode(
            {
                "service_item": 1,
                "resident": "",
                "channel": "walk_in",
                "outcome": "answered",
                "count": 1,
                "notes": "压测",
                "proxy_name": "",
                "idempotency_key": str(key),
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "X-CSRFToken": CSRF,
        }
        return self._send("POST", "/desk/requests/", body, headers)

    def _send(self, method, path, body, headers):
        started = time.perf_counter()
        self.connection.request(method, path, body, {**headers, "Cookie": self.cookie})
        response = self.connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    setup(args.database)
    from desks.models import ServiceRequest

    usernames = [f"w{c}-1" for c in range(1, args.workers + 1)]
    cookies = sessions_for(usernames)
    started_at = dt.datetime.now(dt.UTC)
    with (
        gunicorn("servicedesk.wsgi", args.database, 8103) as app,
        nginx(app.removeprefix("http://"), 8113) as base,
    ):
        port = int(base.rsplit(":", 1)[1])
        desk = Desk(port, cookies[0])
        for _ in range(5):
            desk.get_page(), desk.post(uuid.uuid4())
        page = [desk.get_page() for _ in range(args.repeat)]
        posts = [desk.post(uuid.uuid4()) for _ in range(args.repeat)]
        assert {s for s, _ in page} == {200} and {s for s, _ in posts} == {200}, (page, posts)
        page_ms = statistics.median(ms for _, ms in page)
        post_ms = statistics.median(ms for _, ms in posts)
        print(f"full desk page GET /desk/:     {page_ms:6.1f} ms median of {args.repeat}")
        print(f"htmx log POST /desk/requests/: {post_ms:6.1f} ms median of {args.repeat}")
        print(f"ratio POST / page:             {post_ms / page_ms:6.2f}")

        # 20 workers logging at once: each round, every worker posts at the same instant.
        burst = []
        barrier = threading.Barrier(args.workers)
        clients = [Desk(port, cookie) for cookie in cookies]

        def at_once(index):
            for _ in range(args.rounds):
                barrier.wait()
                burst.append(clients[index].post(uuid.uuid4()))

        threads = [threading.Thread(target=at_once, args=(i,)) for i in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        burst_ms = [ms for _, ms in burst]
        print(
            f"{args.workers} workers posting at the same instant, {args.rounds} rounds: "
            f"p50 {percentile(burst_ms, 0.5):.1f} ms, p95 {percentile(burst_ms, 0.95):.1f} ms "
            f"(target ≤ 100); statuses {dict(Counter(s for s, _ in burst))}"
        )

        results = [[] for _ in range(args.workers)]
        stop = time.monotonic() + args.seconds

        def work(index):
            client = Desk(port, cookies[index])
            sent = 0
            while time.monotonic() < stop:
                key = uuid.uuid4()
                status, ms = client.post(key)
                results[index].append((key, status, ms))
                sent += 1
                if sent % 10 == 0:  # a deliberate retry of the same form
                    status, ms = client.post(key)
                    results[index].append((key, status, ms))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    flat = [entry for worker in results for entry in worker]
    statuses = Counter(status for _, status, _ in flat)
    latencies = [ms for _, _, ms in flat]
    ok_keys = {key for key, status, _ in flat if status == 200}
    retries = len(flat) - len({key for key, _, _ in flat})
    stored = ServiceRequest.objects.filter(idempotency_key__in=ok_keys).count()
    stored_since = ServiceRequest.objects.filter(
        logged_at__gte=started_at, notes="压测", idempotency_key__in=[k for k, _, _ in flat]
    ).count()
    print(
        f"{args.workers} workers × {args.seconds} s: {len(flat)} POSTs "
        f"({len(flat) / args.seconds:.0f}/s), {retries} of them retries of a key already sent"
    )
    print(f"status codes: {dict(statuses)}; 5xx: {sum(n for s, n in statuses.items() if s >= 500)}")
    print(
        f"latency ms: p50 {percentile(latencies, 0.5):.1f}, p95 {percentile(latencies, 0.95):.1f}, "
        f"p99 {percentile(latencies, 0.99):.1f}  (target p95 ≤ 100)"
    )
    verdict = stored == stored_since == len(ok_keys)
    print(
        f"distinct keys answered 200: {len(ok_keys)}; rows stored for them: {stored}; "
        f"rows stored for any key sent: {stored_since} → "
        f"{'nothing lost, nothing doubled' if verdict else 'MISMATCH'}"
    )
    print(f"measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
