"""The rota planner: the old greedy pass against the CP-SAT plan, on the same months.

    .venv/bin/python benchmarks/bench_rota.py --database servicedesk_bench_rota_demo --demo
    .venv/bin/python benchmarks/bench_rota.py --database servicedesk_bench --communities 100
    .venv/bin/python benchmarks/bench_rota.py --database servicedesk_bench --city --seconds 0.25

With --demo the database is migrated and seeded with the demo first (seed_demo);
otherwise it is a city built by build_dataset.py, whose workers are trained in no
category: this script trains each in 2-4 of them (seeded), as the demo does. Each
community's month is read once; then the two planners run `--runs` times each,
interleaved (greedy, solver, greedy, solver…), and the figures of each plan and the
median time to plan (wall clock and this process's CPU time, which a shared machine's
load does not inflate) are printed.

With --city, every community's month is generated as `generate_rota` does it
(`desks.rota.planning.generate_month`: read, plan, write, figures), one after the
other with a progress line each, and the total time is printed.

Nothing is written: everything happens in one transaction that is rolled back.

Figures: "kind spread" and "total spread" are the most minus the fewest hours of a
worker (this year with the month); "gaps" are slots whose pair lacks a category its
residents come for, "avoidable" those where a better team was free that day (the best
team of free workers covers more); "busiest pair / even" is how often the pair most
often together shares a slot, over an even rotation.
"""

import argparse
import datetime as dt
import itertools
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
    parser.add_argument("--city", action="store_true", help="generate every month in turn")
    parser.add_argument(
        "--wall-cap",
        type=float,
        help="stop a search after this many times --seconds of wall clock (default: the "
        "planner's WALL_CAP); raise it on a loaded machine so that the deterministic limit, "
        "not the load, ends each search",
    )
    args = parser.parse_args()
    setup(args.database, DEBUG="true")
    if args.wall_cap:
        from desks.rota import solver

        solver.WALL_CAP = args.wall_cap

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from desks.core.dates import Month
    from desks.models import Community, ServiceCategory, User

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
    communities = list(Community.objects.order_by("pk"))
    if args.communities:
        communities = communities[: args.communities]

    with transaction.atomic():
        categories = list(ServiceCategory.objects.order_by("pk"))
        rng = random.Random(2026)
        untrained = User.objects.planned_workers().filter(
            community__in=communities, trained_categories__isnull=True
        )
        for worker in untrained:
            worker.trained_categories.set(rng.sample(categories, k=rng.randint(2, 4)))
        if args.city:
            city(communities, month, now, args.seconds)
        else:
            compare(communities, month, now, args)
        transaction.set_rollback(True)
    measured = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    print(f"load average {os.getloadavg()[0]:.2f}; measured {measured} UTC")


def city(communities, month, now, seconds):
    from desks.rota.planning import generate_month

    started, cpu = time.perf_counter(), time.process_time()
    planners, slots, short = {}, 0, 0
    for done, community in enumerate(communities, 1):
        result = generate_month(community, month.first_day, now, seconds=seconds)
        planner = result.figures["planner"]
        planners[planner] = planners.get(planner, 0) + 1
        slots += len(result.slots)
        short += len(result.shortfalls)
        if done % 25 == 0 or done == len(communities):
            elapsed = time.perf_counter() - started
            print(
                f"[{done}/{len(communities)}] {elapsed:.0f} s, about "
                f"{elapsed / done * (len(communities) - done):.0f} s left; "
                f"CPU {time.process_time() - cpu:.0f} s",
                flush=True,
            )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\n== generated {len(communities)} communities' {month.first_day:%Y-%m} "
        f"({slots} slots, {short} short) at {seconds} s of search each: "
        f"{wall:.0f} s wall, {cpu:.0f} s CPU of this process "
        f"({wall / len(communities):.2f} s and {cpu / len(communities):.2f} s per community); "
        f"planners {planners}"
    )


def compare(communities, month, now, args):
    from desks.rota import solver
    from desks.rota.duty import make_slots
    from desks.rota.planning import month_problem

    first, last = month.first_day, month.last_day
    rows = []
    for community in communities:
        slots = [s for s in make_slots(community, first, last) if not s.is_cancelled]
        problem, _workers = month_problem(community, first, last, slots, now, [])
        timings = {"greedy": [], "cp-sat": []}
        cpu = {"greedy": [], "cp-sat": []}
        outcomes = {}
        for _run in range(args.runs):
            started, used = time.perf_counter(), time.process_time()
            plan = solver.greedy(problem)
            timings["greedy"].append(time.perf_counter() - started)
            cpu["greedy"].append(time.process_time() - used)
            outcomes["greedy"] = solver.Outcome(plan, "greedy", "-", 0)
            started, used = time.perf_counter(), time.process_time()
            outcomes["cp-sat"] = solver.solve(problem, plan, args.seconds)
            timings["cp-sat"].append(time.perf_counter() - started)
            cpu["cp-sat"].append(time.process_time() - used)
        for planner, outcome in outcomes.items():
            figures = solver.figures(problem, outcome)
            row = {
                "community": community.slug,
                "workers": len(problem.workers),
                "slots": len(problem.slots),
                "planner": planner,
                "status": outcome.status,
                "kind spread": max(
                    (v for k, v in figures["spread"].items() if k != "total"), default=0
                ),
                "total spread": figures["spread"]["total"],
                "uncovered": len(figures["uncovered"]),
                "avoidable": avoidable(problem, outcome.plan),
                "pair most": figures["pairs"]["most"],
                "pair even": figures["pairs"]["even"],
                "seconds": statistics.median(timings[planner]),
                "cpu": statistics.median(cpu[planner]),
            }
            rows.append(row)
            print(_line(row), flush=True)

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
            f"gaps {sum(r['uncovered'] for r in mine)} of {sum(r['slots'] for r in mine)} slots, "
            f"avoidable {sum(r['avoidable'][0] for r in mine)} "
            f"({sum(r['avoidable'][1] for r in mine)} categories) | "
            f"busiest pair / even {statistics.mean(_pair_ratio(r) for r in mine):4.2f} | "
            f"time median {statistics.median(r['seconds'] for r in mine):.3f} s wall, "
            f"{statistics.median(r['cpu'] for r in mine):.3f} s CPU; "
            f"8+ workers: {_big(mine)}"
        )


def avoidable(problem, plan) -> tuple[int, int]:
    """Slots where a team of workers free that day covers more categories than the plan's,
    and how many categories more in all."""
    slots = categories = 0
    for slot in problem.slots:
        if not slot.open:
            continue
        free = problem.free(slot)
        teams = itertools.combinations(free, min(slot.open, len(free)))
        best = max(_covers(problem, slot, team) for team in teams)
        short = best - _covers(problem, slot, plan.get(slot.id, ()))
        slots += short > 0
        categories += max(short, 0)
    return slots, categories


def _covers(problem, slot, team) -> int:
    on_it = [w for w in (*slot.fixed, *team) if w in problem.workers]
    return len(slot.demand & set().union(*(problem.workers[w].categories for w in on_it)))


def _big(rows) -> str:
    big = [r for r in rows if r["workers"] >= 8]
    if not big:
        return "none"
    return (
        f"{len(big)} communities, median {statistics.median(r['seconds'] for r in big):.2f} s "
        f"wall, {statistics.median(r['cpu'] for r in big):.2f} s CPU, "
        f"max {max(r['cpu'] for r in big):.2f} s CPU"
    )


def _pair_ratio(row):
    return row["pair most"] / max(row["pair even"], 1)


def _line(row):
    return (
        f"{row['community']:>14} {row['workers']:2}w {row['slots']:3}s {row['planner']:7} "
        f"{row['status']:9} kind±{row['kind spread']:4.1f}h total±{row['total spread']:4.1f}h "
        f"gaps {row['uncovered']:2} avoidable {row['avoidable'][0]:2} "
        f"pairs {row['pair most']}/{row['pair even']} "
        f"{row['seconds']:.3f}s wall {row['cpu']:.3f}s cpu"
    )


if __name__ == "__main__":
    main()
