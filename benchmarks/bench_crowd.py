"""Twenty duty workers saving at the same instant, through nginx, gunicorn and PostgreSQL.

    createdb -T servicedesk_bench servicedesk_bench_crowd   # it writes: use a copy
    .venv/bin/python benchmarks/bench_crowd.py --database servicedesk_bench_crowd

--workers duty workers of as many communities sign in through the login page (each its
own session and CSRF cookie), open /desk/ and read their form's idempotency key. Each
community gets a slot in progress now if it has none (the dataset's slots are evenings
and weekends), so every save counts for its slot as on a real evening. Then, --rounds
times, all of them post a save at the same instant (a barrier releases the threads),
each with the key its last answer carried (the desk's own protocol). Each
gunicorn shape of --shapes (workers × threads, with DATABASE_POOL_MAX = threads) runs
behind its own nginx as docs/deploy.md configures it, and the shapes take turns round
by round. Prints p50/p95/p99 and saves per second for each (target: p95 ≤ 100 ms), and
checks that exactly the keys sent are stored, once each: nothing lost, nothing doubled.
"""

import argparse
import datetime as dt
import http.client
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from build_dataset import BENCH_PASSWORD
from django_setup import percentile, setup
from nginx import nginx
from server import gunicorn

TARGET_P95_MS = 100
CROWD_NOTE = "人群压测"  # this benchmark's saves: an earlier run's are deleted first
KEY = re.compile(rb'name="idempotency_key" value="([0-9a-f-]{36})"')
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Desk:
    """One duty worker's browser: cookies, a keep-alive connection, the next form key."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.key = None

    def send(self, method, path, body=None, headers=None):
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {**(headers or {}), "Cookie": cookie}
        started = time.perf_counter()
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie_name, cookie_value = pair.split("=", 1)
                self.cookies[cookie_name] = cookie_value
        return response.status, content, elapsed

    def sign_in(self, username, password):
        status, page, _ = self.send("GET", "/accounts/login/")
        assert status == 200, status
        token = CSRF_INPUT.search(page)[1].decode()
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _ = self.send("POST", "/accounts/login/", body, headers)
        assert status == 302 and "sessionid" in self.cookies, (username, status)
        status, page, _ = self.send("GET", "/desk/")
        assert status == 200, status
        self.key = KEY.search(page)[1].decode()

    def save(self, item_id):
        """One htmx save with the key the desk holds; returns (key, status, ms)."""
        key = self.key
        body = urllib.parse.urlencode(
            {
                "service_item": item_id,
                "resident": "",
                "channel": "walk_in",
                "outcome": "answered",
                "count": 1,
                "notes": CROWD_NOTE,
                "proxy_name": "",
                "idempotency_key": key,
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "X-CSRFToken": self.cookies["csrftoken"],
        }
        status, content, ms = self.send("POST", "/desk/requests/", body, headers)
        found = KEY.search(content)
        self.key = found[1].decode() if found else str(uuid.uuid4())
        return key, status, ms


def slots_in_progress(communities, now):
    """A slot in progress now for each community that has none (created, and reported)."""
    from desks.models import DutySlot, SlotKind

    local = dt.datetime.fromtimestamp(now.timestamp(), dt.timezone(dt.timedelta(hours=8)))
    created = 0
    for community_id in communities:
        if DutySlot.objects.filter(
            community_id=community_id, starts_at__lte=now, ends_at__gt=now
        ).exists():
            continue
        DutySlot.objects.create(
            community_id=community_id,
            date=local.date(),
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=3),
            kind=SlotKind.EVENING,
        )
        created += 1
    return created


def at_once(desks, item_id):
    """Every desk saves at the same instant; the answers, and the round's wall time."""
    barrier = threading.Barrier(len(desks) + 1)
    answers = []

    def save(desk):
        barrier.wait()
        answers.append(desk.save(item_id))

    threads = [threading.Thread(target=save, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def shape_of(text: str) -> tuple[int, int, int | None]:
    """ "5x4" (gunicorn workers × threads), or "5x4c4" (and at most 4 connections a worker)."""
    match = re.fullmatch(r"(\d+)x(\d+)(?:c(\d+))?", text)
    if not match:
        raise SystemExit(f"a shape is workers x threads, e.g. 5x4 or 5x4c4, not {text!r}")
    processes, threads, connections = match.groups()
    return int(processes), int(threads), int(connections) if connections else None


def servers_cpu_seconds(database: str) -> tuple[float, float]:
    """CPU time (user + system) spent so far by the servers this benchmark started (every
    process under this one: gunicorn and nginx), and by PostgreSQL's backends on `database`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        pids = {pid for (pid,) in cursor.fetchall()}
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    ours, todo = set(), [os.getpid()]
    while todo:
        parent = todo.pop()
        children = [pid for pid, (ppid, _) in parents.items() if ppid == parent]
        ours.update(children)
        todo += children
    ticks = [sum(parents[pid][1] for pid in group if pid in parents) for group in (ours, pids)]
    return tuple(tick / os.sysconf("SC_CLK_TCK") for tick in ticks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench_crowd")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--shapes",
        default="5x4",
        help="gunicorn workers x threads to compare, comma-separated (e.g. 5x4,3x4,5x4c4)",
    )
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between rounds")
    args = parser.parse_args()
    if args.database == "servicedesk_bench":
        parser.error("this benchmark writes: run it on a copy (createdb -T servicedesk_bench …)")
    setup(args.database, CACHE_URL=args.redis)
    from django.utils import timezone

    from desks.models import Role, ServiceItem, ServiceRequest, User

    workers = list(
        User.objects.filter(role=Role.WORKER, username__endswith="-1")
        .order_by("community_id")
        .values_list("username", "community_id")[: args.workers]
    )
    # A save counts today's requests: a desk that kept an earlier run's hundreds would
    # not be a desk's evening.
    ServiceRequest.objects.filter(notes=CROWD_NOTE).delete()
    created = slots_in_progress([community for _, community in workers], timezone.now())
    item_id = ServiceItem.objects.order_by("pk").values_list("pk", flat=True).first()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    shapes = [shape_of(text) for text in args.shapes.split(",")]
    print(
        f"commit {commit}; {args.database}; {len(workers)} workers signed in, {created} slots "
        f"put in progress; {args.rounds} rounds each, shapes taking turns; load average "
        f"{os.getloadavg()[0]:.2f} before"
    )

    results = {shape: [] for shape in shapes}
    round_seconds = {shape: [] for shape in shapes}
    with ExitStack() as stack:
        desks = {}
        for index, (processes, threads, connections) in enumerate(shapes):
            extra = {
                "GUNICORN_WORKERS": str(processes),
                "GUNICORN_THREADS": str(threads),
                "DATABASE_POOL_MAX": str(threads),
                **({"GUNICORN_WORKER_CONNECTIONS": str(connections)} if connections else {}),
            }
            app = stack.enter_context(
                gunicorn(
                    "servicedesk.wsgi", args.database, 8740 + index, args.redis, extra_env=extra
                )
            )
            base = stack.enter_context(nginx(app.removeprefix("http://"), 8750 + index))
            port = int(base.rsplit(":", 1)[1])
            shape_desks = desks[processes, threads, connections] = [Desk(port) for _ in workers]
            for desk, (username, _) in zip(shape_desks, workers, strict=True):
                desk.sign_in(username, BENCH_PASSWORD)
            for desk in shape_desks:  # warm every process and connection
                desk.save(item_id)

        server_cpu = {shape: [0.0, 0.0] for shape in shapes}
        client_cpu = dict.fromkeys(shapes, 0.0)
        for _ in range(args.rounds):
            for shape in shapes:
                cpu_before = servers_cpu_seconds(args.database)
                client_before = time.process_time()
                answers, seconds = at_once(desks[shape], item_id)
                client_cpu[shape] += time.process_time() - client_before
                # The other shapes' servers sit idle meanwhile: what all of them spent is
                # this round's.
                cpu_after = servers_cpu_seconds(args.database)
                for part in (0, 1):
                    server_cpu[shape][part] += cpu_after[part] - cpu_before[part]
                round_seconds[shape].append(seconds)
                results[shape] += answers
                time.sleep(args.pause)

    load_after = os.getloadavg()[0]
    for shape in shapes:
        answers = results[shape]
        latencies = [ms for _, _, ms in answers]
        statuses = Counter(status for _, status, _ in answers)
        keys = [key for key, _, _ in answers]
        stored = Counter(
            str(key)
            for key in ServiceRequest.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        lost = [key for key in keys if stored[key] == 0]
        doubled = [key for key, n in stored.items() if n > 1]
        p95 = percentile(latencies, 0.95)
        rate = len(answers) / sum(round_seconds[shape])
        print(
            f"gunicorn {shape[0]} workers × {shape[1]} threads (pool {shape[1]}"
            f"{f', {shape[2]} connections a worker' if shape[2] else ''}): "
            f"{len(answers)} saves, p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p95 {p95:.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms "
            f"(target p95 ≤ {TARGET_P95_MS}: {'met' if p95 <= TARGET_P95_MS else 'not met'}); "
            f"{rate:.0f} saves/s while saving (a round's 20 over its wall time, "
            f"median round {statistics.median(round_seconds[shape]) * 1000:.0f} ms, slowest "
            f"{', '.join(f'{t * 1000:.0f}' for t in sorted(round_seconds[shape])[-3:])} ms); "
            f"statuses {dict(statuses)}"
        )
        app, database = (seconds / len(answers) * 1000 for seconds in server_cpu[shape])
        per_save = app + database
        print(
            f"  CPU of the servers per save: {per_save:.1f} ms (gunicorn and nginx {app:.1f}, "
            f"PostgreSQL's backends {database:.1f}), so {len(workers)} at once need "
            f"{len(workers) * per_save:.0f} ms "
            f"of CPU: on {os.cpu_count()} idle cores the last answers no sooner than "
            f"{len(workers) * per_save / os.cpu_count():.0f} ms; this client, on the same "
            f"cores, {client_cpu[shape] / len(answers) * 1000:.1f} ms a save"
        )
        print(
            f"  keys sent {len(keys)} (distinct {len(set(keys))}), stored {sum(stored.values())}: "
            f"lost {len(lost)}, doubled {len(doubled)} → "
            f"{'nothing lost, nothing doubled' if not lost and not doubled else 'MISMATCH'}"
        )
    measured = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    print(f"load average {load_after:.2f} after; measured {measured}")


if __name__ == "__main__":
    main()
