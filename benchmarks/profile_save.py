"""Profile the desk save in-process: where its time goes, step by step, then pyinstrument.

    .venv/bin/python benchmarks/profile_save.py --database servicedesk_bench_save

The htmx POST of the log form to /desk/requests/, signed in, CSRF checked, sessions in
Redis as deployed, production settings, through Django's test client (no HTTP server).
Prints the median wall and CPU time of --repeat saves and the queries of one; then the
median CPU and wall time of each step of those saves (timed around the functions the
view calls, no profiler running: a profiler slows many small calls, such as the
template engine's, more than a few long ones, such as a query's); then pyinstrument's
tree of --profile more. Writes requests: use a copy of the dataset.
"""

import argparse
import functools
import importlib
import statistics
import time
from collections import defaultdict

from bench_desk import sessions_for
from bench_save import in_process_saver
from django_setup import setup

# What a save does, in order: (label, module, attribute). The labels' times nest as
# the calls do: "the view" holds the steps below it. Wrapping the view works because the
# URLconf takes `desks.views.desk.log` when it is first imported, at the first request,
# after timed_steps(): a reverse() before it would keep the view untimed.
STEPS = [
    ("signed-in user (session from Redis, the user's row)", "django.contrib.auth", "get_user"),
    ("the view, in all", "desks.views.desk", "log"),
    ("  the form, built", "desks.desk.forms", "LogRequestForm.__init__"),
    ("  the form, checked (the item's row)", "desks.desk.forms", "LogRequestForm.is_valid"),
    ("  the nearby slots (query)", "desks.desk.request_log", "nearby_slots"),
    ("  the request stored (INSERT, commit)", "desks.desk.request_log", "log_request"),
    ("  today's count (query)", "desks.desk.request_log", "tonight_count"),
    ("  the answer rendered", "desks.views.desk", "render"),
]


def timed_steps():
    """Wrap each step's function with timers; returns {label: [(cpu ms, wall ms), ...]}."""
    times = defaultdict(list)
    for label, module_name, attribute in STEPS:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        function = getattr(owner, name)

        @functools.wraps(function)
        def step(*args, _function=function, _label=label, **kwargs):
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                times[_label].append(
                    ((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000)
                )

        setattr(owner, name, step)
    return times


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
    steps = timed_steps()

    for _ in range(20):
        save()
    steps.clear()
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.thread_time()
        save()
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    medians = {
        label: (
            statistics.median(cpu for cpu, _ in steps[label]),
            statistics.median(wall for _, wall in steps[label]),
        )
        for label, *_ in STEPS
    }
    user, view = medians[STEPS[0][0]], medians[STEPS[1][0]]
    medians["the rest (middleware, the test client), by difference"] = (
        statistics.median(cpus) - user[0] - view[0],
        statistics.median(walls) - user[1] - view[1],
    )
    with CaptureQueriesContext(connection) as queries:
        save()
    print(
        f"save: {statistics.median(walls):.2f} ms median of {args.repeat} in-process "
        f"({statistics.median(cpus):.2f} ms CPU), {len(queries)} queries"
    )
    print("where it goes (medians of the same saves; CPU, then wall with the waits):")
    for label, (cpu, wall) in medians.items():
        print(f"  {label:<55} {cpu:5.2f} ms CPU {wall:5.2f} ms wall")
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(args.profile):
            save()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
