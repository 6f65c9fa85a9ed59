"""Profile a public page on a cache miss, in-process, with pyinstrument (a dev tool).

    .venv/bin/python benchmarks/profile_public.py --database servicedesk_bench /api/hours/

Production settings, no cache (dummycache://): the view runs in full each time. Prints
the median time of --repeat requests and the queries of one, then pyinstrument's tree
of --profile more.
"""

import argparse
import os
import statistics
import subprocess
import time

from django_setup import PRODUCTION_ENV, ROOT, database_url, setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url(args.database)},
        check=True,
    )
    setup(args.database, CACHE_URL="dummycache://")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client(HTTP_HOST="127.0.0.1")
    for path in args.paths:
        assert client.get(path).status_code == 200
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            size = len(client.get(path).content)
        print(
            f"{path}: {statistics.median(times):.1f} ms median of {args.repeat} in-process, "
            f"{len(queries)} queries, {size:,} bytes"
        )
        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(args.profile):
                client.get(path)
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
