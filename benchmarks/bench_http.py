"""The public page `/` and `/api/hours/` against a trivial WSGI app, both on gunicorn.

    .venv/bin/python benchmarks/bench_http.py --database servicedesk_bench

For each page, uncached (CACHE_URL=dummycache://) and cached (the per-process
cache, warmed): Django on gunicorn with production settings, then trivial_app.py
returning the very same bytes on the same gunicorn configuration. Load comes from
wrk, a second process, on 127.0.0.1. Prints requests/s, p99 and the ratio.
"""

import argparse
import datetime as dt
import os
import re
import subprocess
import tempfile
import urllib.request

from django_setup import PRODUCTION_ENV, ROOT, database_url
from server import gunicorn

PAGES = ["/", "/api/hours/"]


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url(args.database)},
        check=True,
    )
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s --latency; gunicorn.conf.py defaults")
    print(
        f"{'page':<14}{'cache':<10}{'django r/s':>11}{'p99 ms':>8}{'trivial r/s':>13}{'p99 ms':>8}"
    )
    for cache_name, cache_url in (("uncached", "dummycache://"), ("cached", "locmemcache://")):
        for page in PAGES:
            with gunicorn("servicedesk.wsgi", args.database, 8101, cache_url) as base:
                response = urllib.request.urlopen(base + page)
                body, content_type = response.read(), response.headers["Content-Type"]
                django = wrk(base + page, args.seconds, args.connections)
            with tempfile.NamedTemporaryFile(suffix=".body") as saved:
                saved.write(body)
                saved.flush()
                env = {"BENCH_BODY_FILE": saved.name, "BENCH_CONTENT_TYPE": content_type}
                with gunicorn("trivial_app", args.database, 8102, extra_env=env) as base:
                    trivial = wrk(base + page, args.seconds, args.connections)
            print(
                f"{page:<14}{cache_name:<10}{django[0]:>11.0f}{django[1]:>8.1f}"
                f"{trivial[0]:>13.0f}{trivial[1]:>8.1f}   ratio {django[0] / trivial[0]:.2f}"
                f"   ({len(body):,} bytes; non-2xx: {django[2]})"
            )
    print(f"measured {dt.datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
