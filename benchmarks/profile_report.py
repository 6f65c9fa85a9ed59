"""Time and profile the report page itself: /admin/reports/ for one street office, as its staff.

    .venv/bin/python benchmarks/profile_report.py --database servicedesk_bench_report19
    .venv/bin/python benchmarks/profile_report.py --database … --code /tmp/before
    .venv/bin/python benchmarks/profile_report.py --database … --before /tmp/before

Django's test client against the benchmark database, production settings, logged in as
`office<n>-1` (benchmarks/build_dataset.py). Prints the page's median time and queries
(kept months: the page asked once before), then pyinstrument's profile of `--profile`
more requests. `--code` runs another checkout's code (the release before) the same way.
`--before` compares: this checkout and the other one each in a process of its own,
taking turns request by request (`--repeat` each), medians of wall and CPU time.
"""

import argparse
import os
import statistics
import subprocess
import sys
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
    parser.add_argument("--before", help="another checkout to compare with, taking turns")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before:
        return compare(args)
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
    if args.serve:
        return serve(page, size)
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


def serve(page, size: int) -> None:
    """For compare(): one request per line read, answered with its wall and CPU time."""
    print(size, flush=True)
    for _ in sys.stdin:
        started, cpu_started = time.perf_counter(), time.thread_time()
        page()
        wall, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        print(f"{wall * 1000:.3f} {cpu * 1000:.3f}", flush=True)


def compare(args) -> None:
    """This checkout against `--before`, one request each in turn."""
    sides = {"this checkout": None, args.before: Path(args.before).resolve()}
    workers = {}
    for name, code in sides.items():
        command = [sys.executable, __file__, "--database", args.database, "--serve"]
        command += ["--office", str(args.office), "--month", args.month]
        command += ["--code", str(code)] if code else []
        workers[name] = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
    sizes = {name: int(worker.stdout.readline()) for name, worker in workers.items()}
    times = {name: ([], []) for name in workers}
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    for _ in range(args.repeat):
        for name, worker in workers.items():
            worker.stdin.write("\n")
            wall, cpu = worker.stdout.readline().split()
            times[name][0].append(float(wall))
            times[name][1].append(float(cpu))
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()
    url = "/admin/reports/" + (f"?month={args.month}" if args.month else "")
    after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(
        f"{url} office {args.office}, {args.repeat} requests each, taking turns; "
        f"load average {load} before, {after} after"
    )
    for name, (walls, cpus) in times.items():
        walls_sorted = sorted(walls)
        p10, p90 = walls_sorted[len(walls) // 10], walls_sorted[len(walls) * 9 // 10]
        print(
            f"  {name}: {statistics.median(walls):.1f} ms median (p10 {p10:.1f}, p90 {p90:.1f}), "
            f"{statistics.median(cpus):.1f} ms of CPU, {sizes[name]:,} bytes"
        )


if __name__ == "__main__":
    main()
