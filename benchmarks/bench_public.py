"""Public pages on a cache miss: one client's median time, against Django's floor.

    .venv/bin/python benchmarks/bench_public.py --database servicedesk_bench

For `/` and `/api/hours/`: Django on gunicorn with production settings and no cache
(CACHE_URL=dummycache://, so every request renders the page), floor_app.py answering
the very same bytes from a Django view through the whole middleware stack, and
trivial_app.py answering them from bare WSGI, all on gunicorn.conf.py. One client on
a kept-alive connection to each; the servers take turns, --batch requests at a time,
for --rounds rounds, and the medians are printed (targets: `/api/hours/` ≤ 15 ms,
`/` ≤ 10 ms at 1,000 communities). Beside each median, the CPU time the server's
processes spent per request (their utime + stime from /proc, over all the turns): on a
shared machine it moves less with the load than the wall clock does.
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
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench_ab import serve
from django_setup import PRODUCTION_ENV, ROOT, database_url
from server import gunicorn

TARGETS_MS = {"/": 10, "/api/hours/": 15}


def server_cpu_seconds(port: int) -> float:
    """CPU time used so far by the gunicorn processes serving 127.0.0.1:`port` (found by
    their GUNICORN_BIND), in seconds."""
    bind = f"GUNICORN_BIND=127.0.0.1:{port}".encode()
    ticks = 0
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and bind in (process / "environ").read_bytes().split(b"\0"):
                fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:  # gone, or not ours to read
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def timed_gets(port, path, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    connection.close()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument(
        "--before", type=Path, help="a checkout of the release before, served alongside"
    )
    parser.add_argument(
        "--port", type=int, default=8201, help="the first of the four ports the servers use"
    )
    args = parser.parse_args()
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url(args.database)},
        check=True,
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    load = os.getloadavg()[0]
    print(
        f"commit {commit}; {args.database}; one client, {args.rounds} rounds × {args.batch} "
        f"requests taking turns; load average {load:.2f} before"
    )
    for page in TARGETS_MS:
        with ExitStack() as servers, tempfile.NamedTemporaryFile(suffix=".body") as saved:
            django = servers.enter_context(
                gunicorn("servicedesk.wsgi", args.database, args.port, "dummycache://")
            )
            response = urllib.request.urlopen(django + page)
            body = response.read()
            saved.write(body)
            saved.flush()
            headers = [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in ("date", "server", "connection")
            ]
            env = {
                "BENCH_BODY_FILE": saved.name,
                "BENCH_CONTENT_TYPE": response.headers["Content-Type"],
                "BENCH_HEADERS": json.dumps(headers),
            }
            servers.enter_context(
                gunicorn("floor_app", args.database, args.port + 1, "dummycache://", extra_env=env)
            )
            servers.enter_context(
                gunicorn("trivial_app", args.database, args.port + 2, extra_env=env)
            )
            ports = {"django": args.port, "floor": args.port + 1, "trivial": args.port + 2}
            if args.before:
                before = args.before.resolve()
                serve(servers, before, args.database, args.port + 3, "dummycache://")
                ports["before"] = args.port + 3
            for port in ports.values():  # warm every worker
                timed_gets(port, page, 20)
            times = {name: [] for name in ports}
            cpu = dict.fromkeys(ports, 0.0)
            for _ in range(args.rounds):
                for name, port in ports.items():
                    used = server_cpu_seconds(port)
                    times[name] += timed_gets(port, page, args.batch)
                    cpu[name] += server_cpu_seconds(port) - used
        median = {name: statistics.median(values) for name, values in times.items()}
        cpu_ms = {name: 1000 * cpu[name] / len(times[name]) for name in ports}
        verdict = "met" if median["django"] <= TARGETS_MS[page] else "not met"
        print(
            f"{page:<12} django uncached {median['django']:6.2f} ms "
            f"(p10 {statistics.quantiles(times['django'], n=10)[0]:.2f}, "
            f"p90 {statistics.quantiles(times['django'], n=10)[-1]:.2f}; "
            f"target ≤ {TARGETS_MS[page]}: {verdict}; server CPU {cpu_ms['django']:.2f} ms), "
            f"django floor {median['floor']:5.2f} ms (CPU {cpu_ms['floor']:.2f}), "
            f"trivial {median['trivial']:5.2f} ms; "
            f"the page's own work {median['django'] - median['floor']:.2f} ms "
            f"({len(body):,} bytes)"
        )
        if args.before:
            print(
                f"{'':<12} the release before {median['before']:6.2f} ms "
                f"(p10 {statistics.quantiles(times['before'], n=10)[0]:.2f}; "
                f"server CPU {cpu_ms['before']:.2f} ms), same turns"
            )
    print(
        f"load average {os.getloadavg()[0]:.2f} after; "
        f"measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )


if __name__ == "__main__":
    main()
