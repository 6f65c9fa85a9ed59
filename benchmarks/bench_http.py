"""The public page `/` and `/api/hours/` against a trivial WSGI app, both on gunicorn.

    .venv/bin/python benchmarks/bench_http.py --database servicedesk_bench

For each page, uncached (CACHE_URL=dummycache://) and cached (Django's page cache,
locmem:// per process, desks/core/public_cache.py):
Django on gunicorn with production settings, against trivial_app.py answering the
very same bytes (headers and body) on the same gunicorn configuration. Uncached,
floor_app.py also answers those bytes from a Django view through the whole
middleware stack: the most any Django-rendered page can do here. Cached, also
nginx with proxy_cache in front of Django, as docs/deploy.md configures it,
against the same trivial app on gunicorn. Load comes from wrk, a second process,
on 127.0.0.1. Every server is warmed for 3 s (which also fills the caches of all
its processes), then the servers take turns for --rounds runs each; medians of
requests/s and p99 are printed.
"""

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import tempfile
import urllib.request
from contextlib import ExitStack

from django_setup import PRODUCTION_ENV, ROOT, database_url
from nginx import nginx
from server import gunicorn

PAGES = ["/", "/api/hours/"]
WARM_UP_SECONDS = 3


def wrk(url, seconds, connections):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99[1]) * {"us": 0.001, "ms": 1, "s": 1000}[p99[2]]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99_ms, int(errors[1]) if errors else 0


def take_turns(urls: dict[str, str], args) -> dict[str, tuple[float, float, int]]:
    """Warm every server, then run wrk against each in turn; the median of each."""
    for url in urls.values():
        wrk(url, WARM_UP_SECONDS, args.connections)
    runs = {name: [] for name in urls}
    for _ in range(args.rounds):
        for name, url in urls.items():
            runs[name].append(wrk(url, args.seconds, args.connections))
    return {
        name: (
            statistics.median(rate for rate, _, _ in results),
            statistics.median(p99 for _, p99, _ in results),
            sum(errors for _, _, errors in results),
        )
        for name, results in runs.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--port", type=int, default=8101, help="the first of the ports used (this and +1, +2, +10)"
    )
    args = parser.parse_args()
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url(args.database)},
        check=True,
    )
    print(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s --latency, median of {args.rounds} "
        f"turns after a {WARM_UP_SECONDS} s warm-up; gunicorn.conf.py defaults"
    )
    print(f"{'page':<13}{'served as':<26}{'r/s':>8}{'p99 ms':>9}{'trivial r/s':>13}{'p99 ms':>8}")
    for cache_name, cache_url in (("uncached", "dummycache://"), ("cached", "locmemcache://")):
        for page in PAGES:
            with ExitStack() as servers, tempfile.NamedTemporaryFile(suffix=".body") as saved:
                django = servers.enter_context(
                    gunicorn("servicedesk.wsgi", args.database, args.port, cache_url)
                )
                response = urllib.request.urlopen(django + page)
                body, content_type = response.read(), response.headers["Content-Type"]
                saved.write(body)
                saved.flush()
                # gunicorn adds its own Date, Server and Connection to either app.
                headers = [
                    (name, value)
                    for name, value in response.headers.items()
                    if name.lower() not in ("date", "server", "connection")
                ]
                env = {
                    "BENCH_BODY_FILE": saved.name,
                    "BENCH_CONTENT_TYPE": content_type,
                    "BENCH_HEADERS": json.dumps(headers),
                }
                trivial = servers.enter_context(
                    gunicorn("trivial_app", args.database, args.port + 1, extra_env=env)
                )
                urls = {"django": django + page, "trivial": trivial + page}
                if cache_name == "uncached":
                    floor_app = gunicorn(
                        "floor_app", args.database, args.port + 2, cache_url, extra_env=env
                    )
                    floor = servers.enter_context(floor_app)
                    urls["floor"] = floor + page
                else:
                    proxy = nginx(f"127.0.0.1:{args.port}", args.port + 10)
                    urls["nginx"] = servers.enter_context(proxy) + page
                results = take_turns(urls, args)
            rows = [(f"django, {cache_name}", "django", "trivial")]
            if cache_name == "uncached":
                rows.append(("django floor (fixed bytes)", "floor", "trivial"))
            else:
                rows.append(("nginx cache → django", "nginx", "trivial"))
            for label, ours, theirs in rows:
                (rate, p99, errors), (base_rate, base_p99, _) = results[ours], results[theirs]
                print(
                    f"{page:<13}{label:<26}{rate:>8.0f}{p99:>9.1f}{base_rate:>13.0f}"
                    f"{base_p99:>8.1f}   ratio {rate / base_rate:.2f}"
                    f"   ({len(body):,} bytes; non-2xx: {errors})"
                )
    print(f"measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
