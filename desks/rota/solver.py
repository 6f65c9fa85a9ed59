"""Planning one community's month as an optimisation problem (OR-Tools CP-SAT).

This module is pure: `desks.rota.planning.generate_month` reads the database into a
`MonthProblem`, asks `greedy` and `solve` for a `Plan`, writes the plan back and
stores `figures` on the RotaMonth. The benchmark compares both planners on the
same problems.

Hard rules (never broken by either planner): a slot gets at most the workers it
still needs; nobody on leave, unavailable or already on duty that day (in any
community) is planned; nobody gets two slots on one day (so no overlap); only the
community's planned workers are planned (lending stays a head's hand-made choice);
duty that started or was served, and published months, are not in the problem.

Soft terms, in this order of weight (`WEIGHTS`):

1. fill every place (a short slot only when nobody is free);
2. balanced hours: the spread (most minus fewest) of each worker's hours in each
   kind of slot and in total, counting the hours served this year before the month
   and the month's duty already fixed;
3. coverage: each slot's workers between them cover the service categories its
   residents come for (the past months' mix of requests in that window);
4. pairs that rotate (the most any two workers share a slot, and the shares above
   an even rotation) and that mix new workers with experienced ones;
5. stable drafts: each place of the previous draft that changes hands costs a little.
"""

import datetime as dt
import hashlib
import itertools
import json
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# Hours are counted in quarter-hours so that the model stays in integers.
QUARTER = dt.timedelta(minutes=15)

WEIGHTS = {
    "unfilled": 1_000_000,  # per place left empty
    "spread": 1_000,  # per quarter-hour of spread in one kind of slot
    "spread_total": 300,  # per quarter-hour of spread of all hours
    "uncovered": 500,  # per category a slot's residents come for that its workers lack
    "pair_max": 40,  # per shared slot of the pair that shares the most
    "pair_excess": 10,  # per shared slot above an even rotation, for each pair
    "new_pair": 20,  # per slot with two new workers together
    "moved": 1,  # per place of the previous draft given to someone else
}

# The wall clock stops the search only on a machine this many times slower than usual
# (deterministic time counts work done, so it is the limit that keeps runs identical).
WALL_CAP = 5

# A worker with fewer served slots than this (ever, before the month) is new.
NEW_WORKER_SLOTS = 8


@dataclass(frozen=True)
class SlotNeed:
    """One live slot of the month, as the planner sees it."""

    id: int
    date: dt.date
    kind: str
    quarters: int
    fixed: tuple[int, ...]  # workers on it who stay (served, started, not planned)
    open: int  # places to plan now (0 once it started, or when full)
    demand: frozenset[int]  # service categories its residents come for


@dataclass
class WorkerInfo:
    id: int
    categories: frozenset[int]
    quarters: dict[str, int] = field(default_factory=Counter)  # served this year + fixed
    busy_days: set[dt.date] = field(default_factory=set)
    absent_days: set[dt.date] = field(default_factory=set)
    served_slots: int = 0

    @property
    def is_new(self) -> bool:
        return self.served_slots < NEW_WORKER_SLOTS


@dataclass
class MonthProblem:
    slots: list[SlotNeed]  # in time order
    workers: dict[int, WorkerInfo]  # the community's planned workers
    draft: dict[int, frozenset[int]] = field(default_factory=dict)  # previous draft, by slot

    def free(self, slot: SlotNeed) -> list[int]:
        """Who may be planned on `slot`: not on leave, not on duty that day, not on it."""
        return [
            worker.id
            for worker in self.workers.values()
            if worker.id not in slot.fixed
            and slot.date not in worker.absent_days
            and slot.date not in worker.busy_days
        ]


Plan = dict[int, tuple[int, ...]]  # slot id -> workers planned on it now, in choice order


@dataclass
class Outcome:
    plan: Plan
    planner: str  # "cp-sat" or "greedy"
    status: str  # the solver's status, or why the greedy plan was kept
    seconds: float


def greedy(problem: MonthProblem) -> Plan:
    """The first-fit plan: each slot in time order takes the free workers with the fewest
    hours in its kind, then the one adding most uncovered categories, then the lowest id.
    """
    quarters = {w.id: Counter(w.quarters) for w in problem.workers.values()}
    busy = {w.id: set() for w in problem.workers.values()}
    plan = {}
    for slot in problem.slots:
        if not slot.open:
            continue
        covered = set().union(
            *(problem.workers[w].categories for w in slot.fixed if w in problem.workers)
        )
        free = [w for w in problem.free(slot) if slot.date not in busy[w]]
        chosen = []
        for _place in range(slot.open):
            if not free:
                break
            best = min(
                free,
                key=lambda w: (
                    quarters[w][slot.kind],
                    -len(problem.workers[w].categories - covered),
                    w,
                ),
            )
            free.remove(best)
            chosen.append(best)
            quarters[best][slot.kind] += slot.quarters
            busy[best].add(slot.date)
            covered |= problem.workers[best].categories
        plan[slot.id] = tuple(chosen)
    return plan


def solve(problem: MonthProblem, hint: Plan, seconds: float) -> Outcome:
    """The best plan CP-SAT finds within `seconds` of deterministic time, else `hint`.

    Deterministic: one search worker, a fixed seed, and a limit in the solver's
    deterministic time (work done, not the wall clock); the wall clock only caps a
    machine far slower than usual (`WALL_CAP × seconds`), which would make runs differ.
    """
    from ortools.sat.python import cp_model  # numpy, pandas: only where a month is planned

    started = time.perf_counter()
    model = _Model(problem, hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = WALL_CAP * seconds
    status = solver.solve(model.model)
    elapsed = time.perf_counter() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(hint, "greedy", name, elapsed)
    return Outcome(model.plan(solver), "cp-sat", name, elapsed)


class _Model:
    """The month as a choice of one team per slot.

    Each slot chooses exactly one team among the teams its free workers can form (of
    its open places or fewer, a short team costing its empty places). Coverage, new
    pairs and empty places are then constants of a team, and how often two workers
    share a slot is a sum of team choices: a formulation whose linear relaxation is
    tight, so the search proves and improves plans far sooner than with one variable
    per worker and slot linked to pairs afterwards.
    """

    def __init__(self, problem: MonthProblem, hint: Plan):
        from ortools.sat.python import cp_model

        self.problem = problem
        self.model = cp_model.CpModel()
        m = self.model
        self.teams = {}  # (slot id, team) -> BoolVar; a team is a sorted tuple of worker ids
        self.x = defaultdict(list)  # (slot id, worker id) -> the team choices that include them
        cost = []
        slots = [slot for slot in problem.slots if slot.open]
        workers = sorted(problem.workers)
        self.slots = slots
        self._date = {slot.id: slot.date for slot in slots}
        self._fixed = {slot.id: slot.fixed for slot in slots}
        for slot in slots:
            covered = self._covered(slot.fixed)
            coverable = slot.demand & covered.union(
                *(problem.workers[w].categories for w in problem.free(slot))
            )
            choices = []
            free = sorted(problem.free(slot))
            for size in range(min(slot.open, len(free)) + 1):
                for team in itertools.combinations(free, size):
                    var = m.new_bool_var(f"t{slot.id}_{'_'.join(map(str, team))}")
                    self.teams[slot.id, team] = var
                    choices.append(var)
                    for w in team:
                        self.x[slot.id, w].append(var)
                    on_it = covered.union(*(problem.workers[w].categories for w in team))
                    constant = WEIGHTS["unfilled"] * (slot.open - size)
                    constant += WEIGHTS["uncovered"] * len(coverable - on_it)
                    constant += WEIGHTS["new_pair"] * self._new_pairs(slot, team)
                    if constant:
                        cost.append(constant * var)
            m.add_exactly_one(choices)
        by_day = defaultdict(list)
        for (slot_id, w), choices in self.x.items():
            by_day[w, self._date[slot_id]].extend(choices)
        for choices in by_day.values():
            m.add_at_most_one(choices)

        cost += self._hours(slots, workers)
        cost += self._pairs(slots, workers)
        for slot_id, drafted in sorted(self.problem.draft.items()):
            for w in sorted(drafted):
                if (slot_id, w) in self.x:
                    cost.append(WEIGHTS["moved"] * (1 - sum(self.x[slot_id, w])))
        m.minimize(sum(cost))
        self._hint(hint)

    def _covered(self, on_it) -> set[int]:
        workers = self.problem.workers
        return set().union(*(workers[w].categories for w in on_it if w in workers))

    def _new_pairs(self, slot, team) -> int:
        workers = self.problem.workers
        on_it = [w for w in (*slot.fixed, *team) if w in workers]
        return sum(
            workers[a].is_new and workers[b].is_new for a, b in itertools.combinations(on_it, 2)
        )

    def _hint(self, hint: Plan):
        for (slot_id, team), var in self.teams.items():
            self.model.add_hint(var, tuple(sorted(hint.get(slot_id, ()))) == team)

    def _placed(self, slot_id, w):
        return sum(self.x.get((slot_id, w), ()))

    def _spread(self, values, bound, name, weight):
        m = self.model
        high, low = m.new_int_var(0, bound, f"max_{name}"), m.new_int_var(0, bound, f"min_{name}")
        m.add_max_equality(high, values)
        m.add_min_equality(low, values)
        return weight * (high - low)

    def _hours(self, slots, workers):
        kinds = sorted({slot.kind for slot in slots})
        if not workers or not kinds:
            return []
        totals = {w: [] for w in workers}
        cost = []
        bound = sum(slot.quarters for slot in slots) + max(
            sum(self.problem.workers[w].quarters.values()) for w in workers
        )
        for kind in kinds:
            per_worker = []
            for w in workers:
                planned = sum(
                    slot.quarters * self._placed(slot.id, w)
                    for slot in slots
                    if slot.kind == kind and (slot.id, w) in self.x
                )
                per_worker.append(self.problem.workers[w].quarters.get(kind, 0) + planned)
                totals[w].append(planned)
            cost.append(self._spread(per_worker, bound, kind, WEIGHTS["spread"]))
        total = [sum(self.problem.workers[w].quarters.values()) + sum(totals[w]) for w in workers]
        cost.append(self._spread(total, bound, "total", WEIGHTS["spread_total"]))
        return cost

    def _pairs(self, slots, workers):
        m = self.model
        counts = defaultdict(list)  # pair -> the team choices that put both on a slot
        constant = Counter()
        for slot in self.problem.slots:
            fixed = sorted(w for w in slot.fixed if w in self.problem.workers)
            for pair in itertools.combinations(fixed, 2):
                constant[pair] += 1
        for (slot_id, team), var in self.teams.items():
            fixed = [w for w in self._fixed[slot_id] if w in self.problem.workers]
            for a, b in itertools.combinations(sorted((*fixed, *team)), 2):
                if a in team or b in team:
                    counts[a, b].append(var)
        pairs = sorted(set(counts) | set(constant))
        if not pairs:
            return []
        target = pair_target(self.problem, len(workers))
        most = m.new_int_var(0, len(self.problem.slots), "pair_max")
        cost = [WEIGHTS["pair_max"] * most]
        for pair in pairs:
            shared = constant[pair] + sum(counts[pair])
            m.add(most >= shared)
            excess = m.new_int_var(0, len(self.problem.slots), f"e{pair[0]}_{pair[1]}")
            m.add(excess >= shared - target)
            cost.append(WEIGHTS["pair_excess"] * excess)
        return cost

    def plan(self, solver) -> Plan:
        teams = self.teams.items()
        chosen = {slot_id: team for (slot_id, team), var in teams if solver.boolean_value(var)}
        return {slot.id: chosen.get(slot.id, ()) for slot in self.slots}


def fingerprint(problem: MonthProblem) -> str:
    """A digest of everything the plan depends on but the previous draft."""
    slots = [
        [s.id, s.date.isoformat(), str(s.kind), s.quarters, list(s.fixed), s.open, sorted(s.demand)]
        for s in problem.slots
    ]
    workers = [
        [
            w.id,
            sorted(w.categories),
            sorted((str(kind), q) for kind, q in w.quarters.items()),
            sorted(day.isoformat() for day in w.busy_days),
            sorted(day.isoformat() for day in w.absent_days),
            w.served_slots,
        ]
        for w in sorted(problem.workers.values(), key=lambda w: w.id)
    ]
    text = json.dumps([slots, workers, WEIGHTS, NEW_WORKER_SLOTS])
    return hashlib.sha256(text.encode()).hexdigest()


def plan_digest(plan: dict) -> str:
    places = sorted([slot_id, w] for slot_id, chosen in plan.items() for w in chosen)
    return hashlib.sha256(json.dumps(places).encode()).hexdigest()


def pair_target(problem: MonthProblem, workers: int) -> int:
    """An even rotation: the month's shared slot-places spread over every possible pair.

    A slot of n workers holds n(n-1)/2 pairs; with W workers there are W(W-1)/2
    pairs, so the pair that shares most shares at least ceil(held / possible).
    """
    possible = workers * (workers - 1) // 2
    if not possible:
        return 0
    held = sum(
        math.comb(len(slot.fixed) + slot.open, 2)
        for slot in problem.slots
        if slot.fixed or slot.open
    )
    return math.ceil(held / possible)


def hours(problem: MonthProblem, plan: Plan) -> dict[int, dict[str, float]]:
    """Each worker's hours by kind and in total: served this year, fixed and planned."""
    quarters = {w.id: Counter(w.quarters) for w in problem.workers.values()}
    for slot in problem.slots:
        for w in plan.get(slot.id, ()):
            quarters[w][slot.kind] += slot.quarters
    per_quarter = QUARTER / dt.timedelta(hours=1)
    return {
        w: {kind: q * per_quarter for kind, q in sorted(counts.items())}
        | {"total": counts.total() * per_quarter}
        for w, counts in quarters.items()
    }


def figures(problem: MonthProblem, outcome: Outcome) -> dict:
    """What the head is shown about a plan, and why it chose whom (JSON-ready).

    `hours`: each worker's hours (the term balanced first); `spread`: most minus
    fewest hours per kind and in total; `uncovered`: slots whose workers lack a
    category its residents come for (with those categories); `pairs`: how often
    each pair shares a slot, the most, and the even rotation (`pair_target`);
    `moved`: places of the previous draft given to someone else.
    """
    plan = outcome.plan
    per_worker = hours(problem, plan)
    kinds = sorted({slot.kind for slot in problem.slots} | {"total"})
    spread = {
        kind: round(
            max((h.get(kind, 0.0) for h in per_worker.values()), default=0.0)
            - min((h.get(kind, 0.0) for h in per_worker.values()), default=0.0),
            2,
        )
        for kind in kinds
    }
    uncovered = []
    pairs = Counter()
    days = _planned_days(problem, plan)
    for slot in problem.slots:
        on_it = [w for w in (*slot.fixed, *plan.get(slot.id, ())) if w in problem.workers]
        covered = set().union(*(problem.workers[w].categories for w in on_it))
        if missing := slot.demand - covered:
            others = [w for w in problem.free(slot) if w not in on_it and slot.date not in days[w]]
            known = set().union(*(problem.workers[w].categories for w in others))
            uncovered.append(
                {
                    "slot_id": slot.id,
                    "categories": sorted(missing),
                    "free_knew": sorted(missing & known),
                }
            )
        pairs.update(itertools.combinations(sorted(on_it), 2))
    moved = sum(
        len(drafted - set(plan.get(slot_id, ()))) for slot_id, drafted in problem.draft.items()
    )
    return {
        "planner": outcome.planner,
        "status": outcome.status,
        "seconds": round(outcome.seconds, 3),
        "hours": {str(w): h for w, h in sorted(per_worker.items())},
        "spread": spread,
        "slots": len(problem.slots),
        "uncovered": uncovered,
        "pairs": {
            "most": max(pairs.values(), default=0),
            "even": pair_target(problem, len(problem.workers)),
            "counts": [[a, b, n] for (a, b), n in sorted(pairs.items())],
        },
        "new_pairs": sum(
            1
            for slot in problem.slots
            for a, b in itertools.combinations(
                [w for w in (*slot.fixed, *plan.get(slot.id, ())) if w in problem.workers], 2
            )
            if problem.workers[a].is_new and problem.workers[b].is_new
        ),
        "moved": moved,
        "why": reasons(problem, plan),
        "inputs": fingerprint(problem),
        "plan": plan_digest(plan),
    }


def _planned_days(problem: MonthProblem, plan: Plan) -> dict[int, set[dt.date]]:
    days = {w: set() for w in problem.workers}
    for slot in problem.slots:
        for w in plan.get(slot.id, ()):
            days[w].add(slot.date)
    return days


# How many runners-up `reasons` keeps for each place.
RUNNERS_UP = 2


def reasons(problem: MonthProblem, plan: Plan) -> dict[str, list]:
    """Why each planned worker rather than another: the terms that decided.

    For each place the plan filled (keyed "slot id:worker id"), the free workers who
    came closest (`RUNNERS_UP`), each with what putting them there instead would have
    changed, term by term as the planner weighs them (only the terms that change):
    `spread` and `spread_total` (hours, kind and all, of the most minus the fewest),
    `uncovered` (the slot's categories lacking), `pair_most` (the busiest pair's
    shared slots), `new_pair` and `moved`. Positive is worse. An empty list: nobody
    else was free that day.
    """
    if not problem.workers:
        return {}
    quarters = {w.id: Counter(w.quarters) for w in problem.workers.values()}
    pairs = Counter()
    for slot in problem.slots:
        for w in plan.get(slot.id, ()):
            quarters[w][slot.kind] += slot.quarters
        on_it = sorted(w for w in (*slot.fixed, *plan.get(slot.id, ())) if w in problem.workers)
        pairs.update(itertools.combinations(on_it, 2))
    days = _planned_days(problem, plan)
    per_hour = dt.timedelta(hours=1) / QUARTER

    def spreads(counts):
        kinds = {slot.kind for slot in problem.slots}
        spread = {
            kind: max(c[kind] for c in counts.values()) - min(c[kind] for c in counts.values())
            for kind in kinds
        }
        totals = [c.total() for c in counts.values()]
        return spread, max(totals) - min(totals)

    base_spread, base_total = spreads(quarters)
    base_most = max(pairs.values(), default=0)
    why = {}
    for slot in problem.slots:
        team = plan.get(slot.id, ())
        on_it = [w for w in (*slot.fixed, *team) if w in problem.workers]
        for chosen in team:
            rest = [w for w in on_it if w != chosen]
            runners = []
            for other in problem.free(slot):
                if other in on_it or slot.date in days[other]:
                    continue
                delta = _swap(problem, slot, chosen, other, rest, quarters, pairs, spreads)
                delta = {
                    "spread": (delta["spread"] - base_spread[slot.kind]) / per_hour,
                    "spread_total": (delta["spread_total"] - base_total) / per_hour,
                    "uncovered": delta["uncovered"],
                    "pair_most": delta["pair_most"] - base_most,
                    "new_pair": delta["new_pair"],
                    "moved": delta["moved"],
                }
                cost = (
                    WEIGHTS["spread"] * delta["spread"] * per_hour
                    + WEIGHTS["spread_total"] * delta["spread_total"] * per_hour
                    + WEIGHTS["uncovered"] * delta["uncovered"]
                    + WEIGHTS["pair_max"] * delta["pair_most"]
                    + WEIGHTS["new_pair"] * delta["new_pair"]
                    + WEIGHTS["moved"] * delta["moved"]
                )
                runners.append((cost, other, {k: v for k, v in delta.items() if v}))
            runners.sort(key=lambda runner: (runner[0], runner[1]))
            closest = runners[:RUNNERS_UP]
            why[f"{slot.id}:{chosen}"] = [[other, terms] for _cost, other, terms in closest]
    return why


def _swap(problem, slot, chosen, other, rest, quarters, pairs, spreads) -> dict:
    """The plan's terms with `other` on `slot` in place of `chosen` (nothing is changed)."""
    workers = problem.workers
    quarters = dict(quarters)
    quarters[chosen] = quarters[chosen] - Counter({slot.kind: slot.quarters})
    quarters[other] = quarters[other] + Counter({slot.kind: slot.quarters})
    spread, total = spreads(quarters)
    covers = set().union(*(workers[w].categories for w in rest))
    before = slot.demand - covers - workers[chosen].categories
    after = slot.demand - covers - workers[other].categories
    changed = Counter()
    for w in rest:
        changed[min(w, chosen), max(w, chosen)] -= 1
        changed[min(w, other), max(w, other)] += 1
    most = max((pairs[pair] + changed[pair] for pair in set(pairs) | set(changed)), default=0)
    new = sum(workers[w].is_new for w in rest)
    drafted = problem.draft.get(slot.id, frozenset())
    return {
        "spread": spread[slot.kind],
        "spread_total": total,
        "uncovered": len(after) - len(before),
        "pair_most": most,
        "new_pair": new * (workers[other].is_new - workers[chosen].is_new),
        "moved": (chosen in drafted) - (other in drafted),
    }
