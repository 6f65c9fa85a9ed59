"""Profile the desk save in-process, with pyinstrument (a dev tool).

    .venv/bin/python benchmarks/profile_save.py --database servicedesk_bench_save

The htmx POST of the log form to /desk/requests/, signed in, CSRF checked, sessions in
Redis as deployed, production settings, through Django's test client (no HTTP server).
Prints the median wall and CPU time of --repeat saves and the queries of one, then
pyinstrument's tree of --profile more. Writes requests: use a copy of the dataset.
"""

import argparse
import statistics
import time

from bench_desk import sessions_for
from bench_save import in_process_saver
from django_setup import setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench_save")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--profile", type=int, default=300)
    args = parser.parse_args()
    setup(args.database, CACHE_URL=args.redis)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from desks.models import ServiceItem

    item_id = ServiceItem.objects.order_by("pk").values_list("pk", flat=True).first()
    save = in_process_saver(sessions_for(["w1-1"])[0], item_id)

    for _ in range(20):
        save()
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.thread_time()
        save()
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    with CaptureQueriesContext(connection) as queries:
        save()
    print(
        f"save: {statistics.median(walls):.2f} ms median of {args.repeat} in-process "
        f"({statistics.median(cpus):.2f} ms CPU), {len(queries)} queries"
    )
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(args.profile):
            save()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
