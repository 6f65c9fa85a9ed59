"""Two releases of the app side by side on gunicorn, taking turns under wrk: A/B.

    git archive <old-commit> | tar -x -C /tmp/before && ln -s "$PWD/.venv" /tmp/before/.venv
    .venv/bin/python benchmarks/bench_ab.py --before /tmp/before --database servicedesk_bench_s010

Both run with production settings, gunicorn.conf.py and the default locmem:// cache
on one database. For each page: a 3 s warm-up each (which fills every worker's
cache), then --rounds turns of 10 s each, alternating; medians are printed.
"""

import argparse
import os
import statistics
import subprocess
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench_http import wrk
from django_setup import PRODUCTION_ENV, ROOT, database_url
from server import refuse_taken_port, wait_until_up

PAGES = ["/", "/api/hours/", "/c/community-1/"]


def serve(
    stack: ExitStack, root: Path, database: str, port: int, cache_url: str = "locmemcache://"
) -> str:
    """The checkout at `root` on gunicorn with production settings and gunicorn.conf.py."""
    refuse_taken_port(port)
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url(database),
        "CACHE_URL": cache_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
    }
    python = str(root / ".venv/bin/python")
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=root, env=env, check=True
    )
    process = subprocess.Popen(
        [str(root / ".venv/bin/gunicorn"), "--config", "gunicorn.conf.py", "servicedesk.wsgi"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(process.wait, timeout=60)
    stack.callback(process.terminate)
    return wait_until_up(f"http://127.0.0.1:{port}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a checkout of release A")
    parser.add_argument("--database", default="servicedesk_bench_s010")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    with ExitStack() as stack:
        servers = {
            "before": serve(stack, args.before.resolve(), args.database, 8501),
            "after": serve(stack, ROOT, args.database, 8502),
        }
        for page in PAGES:
            urls = {name: base + page for name, base in servers.items()}
            for url in urls.values():
                assert urllib.request.urlopen(url).status == 200
                wrk(url, 3, args.connections)
            runs = {name: [] for name in urls}
            for _ in range(args.rounds):
                for name, url in urls.items():
                    runs[name].append(wrk(url, args.seconds, args.connections))
            rates = {name: statistics.median(rate for rate, _, _ in r) for name, r in runs.items()}
            for name, results in runs.items():
                print(
                    f"{page:18} {name:7} {rates[name]:6.0f} r/s (runs "
                    f"{', '.join(f'{rate:.0f}' for rate, _, _ in results)}), p99 "
                    f"{statistics.median(p99 for _, p99, _ in results):.1f} ms, "
                    f"non-2xx {sum(errors for _, _, errors in results)}"
                )
            print(f"{page:18} after/before {rates['after'] / rates['before']:.2f}")


if __name__ == "__main__":
    main()
