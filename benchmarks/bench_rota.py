"""The rota planner: the old greedy pass against the CP-SAT plan, on the same months.

    .venv/bin/python benchmarks/bench_rota.py --database servicedesk_bench_rota_demo --demo
    .venv/bin/python benchmarks/bench_rota.py --database servicedesk_bench_rota_s001

With --demo the database is migrated and seeded with the demo first (seed_demo);
otherwise it is a city built by build_dataset.py, whose workers are trained in no
category: this script trains each in 2-4 of them (seeded), as the demo does. Each
community's month is read once; then the two planners run `--runs` times each,
interleaved (greedy, solver, greedy, solver…), and the figures of each plan and the
median time to plan are printed. Nothing is written: the slots made for the month
are rolled back.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import time

from django_setup import setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--demo", action="store_true", help="seed the demo into the database")
    parser.add_argument("--month", help="YYYY-MM (default: the month after next)")
    parser.add_argument("--communities", type=int, default=0, help="plan only the first N")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    setup(args.database, DEBUG="true")

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from desks.core.dates import Month
    from desks.models import Community, ServiceCategory, User
    from desks.rota import solver
    from desks.rota.duty import make_slots
    from desks.rota.planning import month_problem

    if args.demo:
        call_command("migrate", verbosity=0)
        if not Community.objects.filter(slug="cuiyuan").exists():
            call_command("seed_demo", verbosity=0)
    now = timezone.now()
    month = (
        Month.parse(args.month)
        if args.month
        else Month.containing(timezone.localdate(now)).next.next
    )
    first, last = month.first_day, month.last_day
    communities = list(Community.objects.order_by("pk"))
    if args.communities:
        communities = communities[: args.communities]

    rows = []
    with transaction.atomic():
        categories = list(ServiceCategory.objects.order_by("pk"))
        rng = random.Random(2026)
        for worker in User.objects.planned_workers().filter(community__in=communities):
            if not worker.trained_categories.exists():
                worker.trained_categories.set(rng.sample(categories, k=rng.randint(2, 4)))
        for community in communities:
            slots = [s for s in make_slots(community, first, last) if not s.is_cancelled]
            problem, _workers = month_problem(community, first, last, slots, now, [])
            timings = {"greedy": [], "cp-sat": []}
            outcomes = {}
            for _run in range(args.runs):
                started = time.perf_counter()
                plan = solver.greedy(problem)
                timings["greedy"].append(time.perf_counter() - started)
                outcomes["greedy"] = solver.Outcome(plan, "greedy", "-", 0)
                started = time.perf_counter()
                outcomes["cp-sat"] = solver.solve(problem, plan, args.seconds)
                timings["cp-sat"].append(time.perf_counter() - started)
            for planner, outcome in outcomes.items():
                figures = solver.figures(problem, outcome)
                row = {
                    "community": community.slug,
                    "workers": len(problem.workers),
                    "slots": len(problem.slots),
                    "planner": planner,
                    "status": outcome.status,
                    "kind spread": max(v for k, v in figures["spread"].items() if k != "total"),
                    "total spread": figures["spread"]["total"],
                    "uncovered": len(figures["uncovered"]),
                    "missing": sum(len(u["categories"]) for u in figures["uncovered"]),
                    "pair most": figures["pairs"]["most"],
                    "pair even": figures["pairs"]["even"],
                    "seconds": statistics.median(timings[planner]),
                }
                rows.append(row)
                print(_line(row), flush=True)
        transaction.set_rollback(True)

    print(
        f"\n== {len(communities)} communities, {first:%Y-%m}, limit {args.seconds} s, "
        f"{args.runs} interleaved runs, medians"
    )
    for planner in ("greedy", "cp-sat"):
        mine = [row for row in rows if row["planner"] == planner]
        if not mine:
            continue
        print(
            f"{planner:7} kind spread max {max(r['kind spread'] for r in mine):5.1f} h "
            f"mean {statistics.mean(r['kind spread'] for r in mine):5.2f} h | "
            f"total spread mean {statistics.mean(r['total spread'] for r in mine):5.2f} h | "
            f"slots missing a category {sum(r['uncovered'] for r in mine)} "
            f"of {sum(r['slots'] for r in mine)} "
            f"({sum(r['missing'] for r in mine)} categories) | "
            f"busiest pair / even {statistics.mean(_pair_ratio(r) for r in mine):4.2f} | "
            f"time median {statistics.median(r['seconds'] for r in mine):.3f} s, "
            f"sum {sum(r['seconds'] for r in mine):.1f} s"
        )
    measured = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    print(f"load average {os.getloadavg()[0]:.2f}; measured {measured} UTC")


def _pair_ratio(row):
    return row["pair most"] / max(row["pair even"], 1)


def _line(row):
    return (
        f"{row['community']:>14} {row['workers']:2}w {row['slots']:3}s {row['planner']:7} "
        f"{row['status']:9} kind±{row['kind spread']:4.1f}h total±{row['total spread']:4.1f}h "
        f"uncovered {row['uncovered']:2} pairs {row['pair most']}/{row['pair even']} "
        f"{row['seconds']:.3f}s"
    )


if __name__ == "__main__":
    main()
