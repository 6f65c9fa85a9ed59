"""Planning a month's rota: generate the draft and publish it (the wall's copy: desks.rota.wall).

Generation plans a month as an optimisation (`desks.rota.solver`, OR-Tools
CP-SAT): hard rules first (places needed, leave, one slot a day, own community,
served and started duty kept, published months untouched), then balanced hours
(per kind of slot and in total, counting this year's served hours), coverage of
the categories each window's residents come for, pairs that rotate and mix new
with experienced workers, and a stable draft. The greedy pass (fewest hours in
the slot's kind, then most new categories, then lowest pk) is its starting point
and its fallback. The solver runs deterministically, so the same inputs give the
same rota; the figures of the plan are kept on the RotaMonth (`figures`).

Only planned workers (`User.objects.planned_workers`: active, Role.WORKER) are
planned: heads approve swaps and comp leave and stand in by hand, so they are not
in the fairness count.
"""

import datetime as dt
import multiprocessing
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from desks.core.dates import Month, first_of_month
from desks.models import (
    Assignment,
    Community,
    DutySlot,
    RotaMonth,
    ServiceCategory,
    ServiceRequest,
    User,
)
from desks.rota import rules, solver
from desks.rota.duty import RotaError, assign, make_slots
from desks.rota.solver import MonthProblem, SlotNeed, WorkerInfo


def shortfall_reason(entry: dict) -> str:
    """Why a slot was left short, for people, from what generation recorded."""
    if entry.get("started"):
        return _("%(slot)s: only %(filled)d of %(needed)d workers; it had already started.") % entry
    if not entry["workers"]:
        return _("%(slot)s: the community has no duty workers.") % entry
    return (
        _(
            "%(slot)s: only %(filled)d of %(needed)d workers. Of %(workers)d workers, "
            "%(absent)d are on leave or unavailable and %(busy)d are already on duty that day."
        )
        % entry
    )


@dataclass
class GeneratedMonth:
    rota_month: RotaMonth
    slots: list[DutySlot]
    assigned: int = 0
    shortfalls: list[dict] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def reasons(self) -> list[str]:
        return [shortfall_reason(entry) for entry in self.shortfalls]


def _dates(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _quarters(starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    return round((ends_at - starts_at) / solver.QUARTER)


# How far back the mix of requests of a window is read, for coverage.
DEMAND_HISTORY = dt.timedelta(days=183)


def window_demand(community: Community, slots: list[DutySlot], month: dt.date) -> dict:
    """The service categories residents come for in each slot, from past months' requests.

    A slot's window is its weekday and local start time; a window without history
    takes the mix of its kind of slot, then of the whole community, then every category.
    """
    rows = (
        ServiceRequest.objects.filter(
            community=community,
            slot__date__lt=month,
            slot__date__gte=month - DEMAND_HISTORY,
        )
        .values_list("slot__date", "slot__starts_at", "slot__kind", "service_item__category")
        .distinct()
    )
    by_window, by_kind, anywhere = defaultdict(set), defaultdict(set), set()
    for day, starts_at, kind, category in rows:
        by_window[day.weekday(), timezone.localtime(starts_at).time()].add(category)
        by_kind[kind].add(category)
        anywhere.add(category)
    every = anywhere or set(ServiceCategory.objects.values_list("pk", flat=True))
    return {
        slot.pk: frozenset(
            by_window.get((slot.date.weekday(), timezone.localtime(slot.starts_at).time()))
            or by_kind.get(slot.kind)
            or every
        )
        for slot in slots
    }


def month_problem(community, month, last, slots, now, draft) -> tuple[MonthProblem, dict]:
    """Read what the planner needs to know about `community`'s month from the database.

    `draft` are the assignments generation may replace (pk, slot, worker); every
    other assignment stays and is fixed. Returns the problem and the planned workers.
    """
    workers = {
        worker.pk: worker
        for worker in User.objects.planned_workers(community)
        .order_by("pk")
        .prefetch_related("trained_categories")
    }
    infos = {
        pk: WorkerInfo(pk, frozenset(c.pk for c in worker.trained_categories.all()))
        for pk, worker in workers.items()
    }
    month_start, month_end = Month.containing(month).bounds()
    year_start = Month(month.year, 1).bounds()[0]
    draft_pks = [pk for pk, _slot, _worker in draft]
    served_before = (
        Assignment.objects.served()
        .filter(worker__in=infos, starts_at__gte=year_start, starts_at__lt=month_start)
        .values_list("worker", "slot__kind", "starts_at", "ends_at")
    )
    for worker_id, kind, starts_at, ends_at in served_before:
        infos[worker_id].quarters[kind] += _quarters(starts_at, ends_at)
    experience = (
        Assignment.objects.served()
        .filter(worker__in=infos, starts_at__lt=month_start)
        .values("worker")
        .annotate(n=Count("pk"))
        .values_list("worker", "n")
    )
    for worker_id, served in experience:
        infos[worker_id].served_slots = served

    in_month = (
        Assignment.objects.live()
        .filter(worker__in=infos, starts_at__gte=month_start, starts_at__lt=month_end)
        .exclude(pk__in=draft_pks)
        .values_list("worker", "slot__kind", "starts_at", "ends_at")
    )
    for worker_id, kind, starts_at, ends_at in in_month:
        infos[worker_id].quarters[kind] += _quarters(starts_at, ends_at)
        infos[worker_id].busy_days.add(timezone.localdate(starts_at))
    # Everyone who stays on the month's slots, heads and lent workers included.
    fixed = defaultdict(list)
    staying = (
        Assignment.objects.filter(slot__in=slots)
        .exclude(pk__in=draft_pks)
        .order_by("pk")
        .values_list("slot", "worker")
    )
    for slot_id, worker_id in staying:
        fixed[slot_id].append(worker_id)

    # Leave, unavailability and approved comp leave: the rota's rules say (desks.rota.rules),
    # as they do for a head's hand assignment and a swap.
    checker = rules.Checker(workers.values(), slots)
    for worker in workers.values():
        for slot in slots:
            if any(problem.rule in rules.AWAY for problem in checker.why_not(worker, slot)):
                infos[worker.pk].absent_days.add(slot.date)

    demand = window_demand(community, slots, month)
    needs = [
        SlotNeed(
            id=slot.pk,
            date=slot.date,
            kind=slot.kind,
            quarters=_quarters(slot.starts_at, slot.ends_at),
            fixed=tuple(fixed[slot.pk]),
            open=0 if slot.starts_at <= now else slot.shortfall_with(len(fixed[slot.pk])),
            demand=demand[slot.pk],
        )
        for slot in slots
    ]
    drafted = defaultdict(set)
    for _pk, slot_id, worker_id in draft:
        if worker_id in infos:
            drafted[slot_id].add(worker_id)
    problem = MonthProblem(needs, infos, {k: frozenset(v) for k, v in drafted.items()})
    return problem, workers


@transaction.atomic
def generate_month(
    community: Community, month: dt.date, now: dt.datetime, *, seconds: float | None = None
) -> GeneratedMonth:
    """Plan `community`'s slots in `month` (a draft), replacing the draft's future assignments.

    The plan is CP-SAT's (`desks.rota.solver`), started from the greedy plan (or the
    previous draft) and given `seconds` (default `ROTA_SOLVER_SECONDS`); when it
    finds nothing in time the greedy plan is kept, and the figures say so. Places of
    the previous draft that the new plan keeps are not touched.

    Raises RotaError for a published month: that changes only by swaps or by the head.
    """
    month = first_of_month(month)
    rota_month, _created = RotaMonth.objects.select_for_update().get_or_create(
        community=community, month=month
    )
    if rota_month.is_published:
        raise RotaError(
            _("The %(month)s rota of %(community)s is published; change it by swaps or by hand.")
            % {"month": f"{month:%Y-%m}", "community": community}
        )
    last = Month.containing(month).last_day
    # A slot cancelled because its window went away (desks.rota.reconcile) is not filled.
    slots = [slot for slot in make_slots(community, month, last) if not slot.is_cancelled]
    # Replacing the draft keeps what already happened: started or served duty stays.
    draft = list(
        Assignment.objects.unserved()
        .filter(slot__community=community, slot__date__range=(month, last), starts_at__gt=now)
        .values_list("pk", "slot", "worker")
    )
    problem, workers = month_problem(community, month, last, slots, now, draft)
    fallback = solver.greedy(problem)
    hint = fallback
    if problem.draft:
        hint = {s.id: tuple(sorted(problem.draft.get(s.id, ()))) for s in problem.slots if s.open}
    if seconds is None:
        seconds = settings.ROTA_SOLVER_SECONDS
    previous = rota_month.figures
    if previous.get("inputs") == solver.fingerprint(problem) and previous.get(
        "plan"
    ) == solver.plan_digest(problem.draft):
        # Nothing changed since the last plan, so the plan stands (a longer search
        # might find a better one, but a regeneration should not move anyone for it).
        outcome = solver.Outcome(hint, previous["planner"], "unchanged", 0.0)
    else:
        outcome = solver.solve(problem, hint, seconds)
        if outcome.planner == "greedy":
            outcome.plan = fallback

    wanted = {(slot_id, w) for slot_id, chosen in outcome.plan.items() for w in chosen}
    Assignment.objects.filter(
        pk__in=[pk for pk, slot_id, w in draft if (slot_id, w) not in wanted]
    ).delete()
    kept = {(slot_id, w) for _pk, slot_id, w in draft if (slot_id, w) in wanted}
    result = GeneratedMonth(rota_month, slots)
    planned_days = defaultdict(set)
    for slot in slots:
        for w in outcome.plan.get(slot.pk, ()):
            planned_days[w].add(slot.date)
            if (slot.pk, w) not in kept:
                assign(slot, workers[w])
            result.assigned += 1
    for slot, need in zip(slots, problem.slots, strict=True):
        taken = [*need.fixed, *outcome.plan.get(slot.pk, ())]
        if slot.shortfall_with(len(taken)):
            started = slot.starts_at <= now
            result.shortfalls.append(_shortfall(slot, taken, problem, planned_days, started))

    result.figures = solver.figures(problem, outcome)
    rota_month.generated_at = now
    rota_month.shortfalls = result.shortfalls
    rota_month.figures = result.figures
    rota_month.save(update_fields=["generated_at", "shortfalls", "figures"])
    return result


def _shortfall(slot, taken, problem, planned_days, started=False) -> dict:
    others = [w for w in problem.workers.values() if w.id not in taken]
    absent = sum(slot.date in w.absent_days for w in others)
    busy = sum(
        slot.date not in w.absent_days
        and (slot.date in w.busy_days or slot.date in planned_days[w.id])
        for w in others
    )
    return {
        "slot": str(slot),
        "slot_id": slot.pk,
        "needed": slot.workers_needed,
        "filled": len(taken),
        "workers": len(problem.workers),
        "absent": absent,
        "busy": busy,
        "started": started,
    }


# What publishing changes, said where a head decides to publish (the rota month's admin page).
PUBLISHING_MEANS = gettext_lazy(
    "Publishing shows this rota to its workers on “My duty” (/desk/me/) and in their "
    "calendars. From then on the month is never regenerated: it changes by swaps, which "
    "the head approves, or by hand, and a change of the opening hours that touches it is "
    "listed for the head to resolve."
)


@transaction.atomic
def publish(rota_month: RotaMonth, head: User, now: dt.datetime) -> RotaMonth:
    """The community head publishes the draft; from now on it is not regenerated.

    The month is re-read under a row lock, so of two heads publishing at once one
    publishes and the other is told it already is; a published month never changes
    its `published_at` or `published_by`.
    """
    if not (head.is_superuser or head.is_head_of(rota_month.community_id)):
        raise RotaError(_("Only the head of this community can publish its rota."))
    locked = RotaMonth.objects.select_for_update(of=("self",)).select_related("published_by")
    current = locked.get(pk=rota_month.pk)
    if current.generated_at is None:
        raise RotaError(_("Generate the month before publishing it."))
    if current.is_published:
        raise RotaError(
            _("%(month)s was already published on %(day)s by %(name)s; nothing changed.")
            % {
                "month": current,
                "day": f"{timezone.localtime(current.published_at):%Y-%m-%d %H:%M}",
                "name": current.published_by.display_name,
            }
        )
    current.published_at, current.published_by = now, head
    current.save(update_fields=["published_at", "published_by"])
    rota_month.published_at, rota_month.published_by = now, head
    return current


@dataclass
class Planned:
    """What generating one community's month did, as `generate_many` reports it."""

    community: str  # its slug
    slots: int = 0
    assigned: int = 0
    reasons: list[str] = field(default_factory=list)  # the slots left short, said for people
    figures: dict = field(default_factory=dict)
    error: str = ""  # why the month was not generated (a published month, say)


def generate_many(communities, month: dt.date, now: dt.datetime, *, seconds=None, jobs=1):
    """Generate `month` for each of `communities`, yielding a `Planned` as each is done.

    With `jobs` > 1 that many processes plan at once, each with its own database
    connection (PostgreSQL: SQLite takes one writer at a time, so it is refused); the
    months are independent, so the plans are those one process would make, in the
    order they finish.
    """
    pks = [community.pk for community in communities]
    if jobs <= 1:
        for pk in pks:
            yield _generate_one(pk, month, now, seconds)
        return
    if connection.vendor == "sqlite":
        raise RotaError(
            _("Planning in several processes needs PostgreSQL; SQLite writes one at a time.")
        )
    # Each process opens its own connections: none, nor a pool's, may cross the fork.
    for each in connections.all(initialized_only=True):
        each.close()
        if hasattr(each, "close_pool"):
            each.close_pool()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending = [pool.submit(_generate_one, pk, month, now, seconds) for pk in pks]
        for future in as_completed(pending):
            yield future.result()


def _generate_one(pk: int, month: dt.date, now: dt.datetime, seconds) -> Planned:
    community = Community.objects.get(pk=pk)
    try:
        result = generate_month(community, month, now, seconds=seconds)
    except RotaError as error:
        return Planned(community.slug, error=str(error.message))
    return Planned(
        community.slug,
        slots=len(result.slots),
        assigned=result.assigned,
        reasons=result.reasons,
        figures=result.figures,
    )
