"""Time and profile the report page itself: /admin/reports/ for one street office, as its staff.

    .venv/bin/python benchmarks/profile_report.py --database servicedesk_bench_report19
    .venv/bin/python benchmarks/profile_report.py --database … --code /tmp/before

Django's test client against the benchmark database, production settings, logged in as
`office<n>-1` (benchmarks/build_dataset.py). Prints the page's median time and queries
(kept months: the page asked once before), then pyinstrument's profile of `--profile`
more requests. `--code` runs another checkout's code (the release before) the same way.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

from django_setup import setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--office", type=int, default=1)
    parser.add_argument("--month", default="", help="YYYY-MM; the last full month by default")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", type=int, default=10)
    parser.add_argument("--code", help="another checkout to run instead of this one")
    args = parser.parse_args()
    setup(args.database, **({"root": Path(args.code)} if args.code else {}))
    if args.code:
        import desks

        assert desks.__file__.startswith(args.code), desks.__file__

    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    from desks.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    user = User.objects.get(username=f"office{args.office}-1")
    user.save()  # the dataset is COPYed: saving puts the user in their role's group
    client.force_login(user)
    url = "/admin/reports/" + (f"?month={args.month}" if args.month else "")

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    size = len(page().content)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper rather than CaptureQueriesContext: each request ends by
    # closing its connection, which empties the latter's log.
    with connection.execute_wrapper(count):
        page()
    times, cpu = [], []
    for _ in range(args.repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        page()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(
        f"{url} office {args.office}: {statistics.median(times):.1f} ms median of "
        f"{args.repeat} ({statistics.median(cpu):.1f} ms of CPU), {len(queries)} queries, "
        f"{size:,} bytes; load average " + "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.profile):
        page()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
