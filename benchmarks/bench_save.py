"""One desk save against its floor, taking turns (issue 19).

    .venv/bin/python benchmarks/bench_save.py --database servicedesk_bench_s001
    git archive <old-commit> | tar -x -C /tmp/before && ln -s "$PWD/.venv" /tmp/before/.venv
    .venv/bin/python benchmarks/bench_save.py --database servicedesk_bench_s001 --before /tmp/before

The save: the htmx POST of the log form to /desk/requests/ (signed in, CSRF, audit,
idempotency, the slot), on gunicorn with production settings and gunicorn.conf.py,
sessions in Redis as deployed (CACHE_URL=redis://…). The floor is what no save can
beat: trivial_app.py answering the save's very bytes on the same gunicorn (HTTP and
WSGI), plus a bare INSERT of one request row in autocommit (PostgreSQL's write and
commit) through psycopg. Beside it, Django's floor for a signed-in POST: floor_app.py
answering the same bytes after reading the session and the user, through the whole
middleware stack with CSRF (what every desk action costs before its own work). One
client, one request at a time, keep-alive; they take turns for --rounds rounds of
--batch requests each, so a load spike on this shared machine hits all of them alike.
With --before, an older checkout's save takes its turn too (on the same database and
Redis). Prints medians, the ratio to the floor, the queries of one save (counted in this
process with the same settings) and the load average.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench_ab import serve
from bench_desk import CSRF, sessions_for
from bench_public import server_cpu_seconds
from django_setup import database_url, setup
from server import gunicorn

TARGET_MS = 5
TARGET_QUERIES = 5
TARGET_RATIO = 4
BENCH_NOTE = "压测"  # the saves this benchmark made, deleted when it ends


def save_body(item_id: int) -> str:
    return urllib.parse.urlencode(
        {
            "service_item": item_id,
            "resident": "",
            "channel": "walk_in",
            "outcome": "answered",
            "count": 1,
            "notes": BENCH_NOTE,
            "proxy_name": "",
            "idempotency_key": str(uuid.uuid4()),
        }
    )


class Poster:
    """POSTs a save to one server on one keep-alive connection, timing each."""

    def __init__(self, base: str, cookie: str):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.cookie = cookie

    def post(self, item_id: int) -> tuple[int, float, bytes, list]:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "X-CSRFToken": CSRF,
            "Cookie": self.cookie,
        }
        body = save_body(item_id)
        started = time.perf_counter()
        try:
            self.connection.request("POST", "/desk/requests/", body, headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # gunicorn closed the kept-alive connection (idle past its keepalive while the
            # others took their turns): connect again, and time the retry.
            self.connection.close()
            started = time.perf_counter()
            self.connection.request("POST", "/desk/requests/", body, headers)
            response = self.connection.getresponse()
        body = response.read()
        return (
            response.status,
            (time.perf_counter() - started) * 1000,
            body,
            response.getheaders(),
        )


class BareInsert:
    """One request row INSERTed in autocommit: PostgreSQL's part of the floor."""

    SQL = (
        "INSERT INTO desks_servicerequest (community_id, service_item_id, channel, outcome,"
        " count, notes, proxy_name, missing_materials, logged_at, logged_by_id,"
        " idempotency_key) VALUES (%s, %s, 'walk_in', 'answered', 1, 'floor', '', '[]',"
        " now(), %s, %s)"
    )

    def __init__(self, database: str, community_id: int, item_id: int, user_id: int):
        import psycopg

        self.connection = psycopg.connect(database_url(database), autocommit=True)
        self.params = (community_id, item_id, user_id)

    def insert(self) -> float:
        started = time.perf_counter()
        self.connection.execute(self.SQL, (*self.params, uuid.uuid4()))
        return (time.perf_counter() - started) * 1000

    def forget(self) -> None:
        self.connection.execute("DELETE FROM desks_servicerequest WHERE notes = 'floor'")


def in_process_saver(cookie: str, item_id: int):
    """A function that makes one save in this process (Django's test client, the servers'
    settings, signed in with `cookie`), each with a fresh form key; it returns the answer."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    for part in cookie.split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    headers = {"HX-Request": "true", "X-CSRFToken": CSRF}

    def save():
        # The bytes the desk sends (a form, urlencoded, as htmx posts it), with a new key.
        response = client.post(
            "/desk/requests/",
            save_body(item_id),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
        assert response.status_code == 200, response.status_code
        return response

    return save


def queries_of_one_save(cookie: str, item_id: int) -> list[str]:
    """The statements one save sends, counted in this process with the servers' settings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    save = in_process_saver(cookie, item_id)
    save()  # a first save may touch the session
    with CaptureQueriesContext(connection) as captured:
        save()
    return [query["sql"] for query in captured.captured_queries]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench_s001")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--desks", type=int, default=20, help="communities taking turns")
    args = parser.parse_args()
    setup(args.database, CACHE_URL=args.redis)
    from desks.models import ServiceItem, ServiceRequest, User

    worker = User.objects.get(username="w1-1")
    # A desk logs tens of walk-ins a day, and a save counts today's: each round of the
    # run signs in at another community's desk, so none of them passes a busy evening
    # (--rounds × --batch / --desks saves per server), and the run's saves are deleted
    # at the end, so a second run on the same copy starts from the same day.
    forget_saves = ServiceRequest.objects.filter(notes=BENCH_NOTE)
    forget_saves.delete()
    desks = sessions_for([f"w{community}-1" for community in range(1, args.desks + 1)])
    item_id = ServiceItem.objects.order_by("pk").values_list("pk", flat=True).first()
    cookie = sessions_for([worker.username])[0]
    before_desks = sessions_for(
        [f"w{community}-1" for community in range(1, args.desks + 1)], code=args.before
    )
    load_before = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()

    queries = queries_of_one_save(cookie, item_id)
    with ExitStack() as stack:
        stack.callback(forget_saves.delete)  # last, once the servers have stopped
        django = stack.enter_context(
            gunicorn("servicedesk.wsgi", args.database, 8731, cache_url=args.redis)
        )
        save = Poster(django, cookie)
        for _ in range(20):  # warm every worker's imports, templates and connections
            status, _, body, headers = save.post(item_id)
            assert status == 200, (status, body[:300])
        saved = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".body"))
        saved.write(body)
        saved.flush()
        env = {
            "BENCH_BODY_FILE": saved.name,
            # gunicorn adds its own Date, Server and Connection to either app.
            "BENCH_HEADERS": json.dumps(
                [
                    (name, value)
                    for name, value in headers
                    if name.lower() not in ("date", "server", "connection")
                ]
            ),
        }
        trivial = Poster(
            stack.enter_context(gunicorn("trivial_app", args.database, 8732, extra_env=env)),
            cookie,
        )
        signed_in = Poster(
            stack.enter_context(
                gunicorn(
                    "floor_app",
                    args.database,
                    8734,
                    cache_url=args.redis,
                    extra_env={**env, "BENCH_SIGNED_IN": "1"},
                )
            ),
            cookie,
        )
        bare = BareInsert(args.database, worker.community_id, item_id, worker.pk)
        stack.callback(bare.forget)
        savers = {"save": save}
        ports = {"save": 8731, "before": 8733}
        if args.before:
            before = serve(stack, args.before.resolve(), args.database, 8733, cache_url=args.redis)
            savers["before"] = Poster(before, before_desks[0])
        for _ in range(20):
            trivial.post(item_id), bare.insert()
            assert signed_in.post(item_id)[0] == 200
            for saver in savers.values():
                saver.post(item_id)

        times = {"trivial": [], "insert": [], "signed_in": [], **{name: [] for name in savers}}
        cpu = dict.fromkeys(savers, 0.0)
        for round_ in range(args.rounds):
            for name, saver in savers.items():
                cookies = before_desks if name == "before" else desks
                saver.cookie = cookies[round_ % len(cookies)]
                used = server_cpu_seconds(ports[name])
                for _ in range(args.batch):
                    status, ms, _, _ = saver.post(item_id)
                    assert status == 200, (name, status)
                    times[name].append(ms)
                cpu[name] += server_cpu_seconds(ports[name]) - used
            for _ in range(args.batch):
                times["trivial"].append(trivial.post(item_id)[1])
            for _ in range(args.batch):
                times["insert"].append(bare.insert())
            signed_in.cookie = desks[round_ % len(desks)]
            for _ in range(args.batch):
                status, ms, _, _ = signed_in.post(item_id)
                assert status == 200, ("signed in floor", status)
                times["signed_in"].append(ms)

    median = {name: statistics.median(values) for name, values in times.items()}
    cpu_ms = {name: 1000 * cpu[name] / len(times[name]) for name in cpu}
    floor = median["trivial"] + median["insert"]
    ratio = median["save"] / floor
    n = args.rounds * args.batch
    print(
        f"commit {commit}; {args.database}; {n} of each, {args.rounds} rounds taking turns; "
        f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(f"trivial WSGI POST (same bytes, same gunicorn): {median['trivial']:6.2f} ms median")
    print(f"bare INSERT + COMMIT (psycopg, autocommit):    {median['insert']:6.2f} ms median")
    print(f"floor (the two together):                      {floor:6.2f} ms")
    print(
        f"desk save, htmx POST /desk/requests/:          {median['save']:6.2f} ms median "
        f"(p90 {statistics.quantiles(times['save'], n=10)[-1]:.2f}; target ≤ {TARGET_MS}; "
        f"server CPU {cpu_ms['save']:.2f} ms a save)"
    )
    if "before" in median:
        print(
            f"desk save, {args.before} (before):  {median['before']:6.2f} ms median, "
            f"{median['before'] / floor:.2f} × the floor (server CPU {cpu_ms['before']:.2f} ms)"
        )
    print(f"ratio save / floor:                            {ratio:6.2f}  (target ≤ {TARGET_RATIO})")
    print(
        "Django's floor, signed in (session, user, CSRF; same bytes): "
        f"{median['signed_in']:.2f} ms; the save's own work: "
        f"{median['save'] - median['signed_in']:.2f} ms"
    )
    print(f"queries per save: {len(queries)} (target ≤ {TARGET_QUERIES})")
    for sql in queries:
        print(f"  {sql[:110]}")
    print(f"measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
