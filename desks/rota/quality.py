"""A generated month's quality for people: what `RotaMonth.figures` (desks.rota.solver)
records, with names instead of ids, for the head's rota page and the month's admin page.

Three queries whatever the number or size of the months: the workers, the categories
and the slots the figures name.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from desks.models import DutySlot, RotaMonth, ServiceCategory, SlotKind, User

TOP_PAIRS = 5  # the pairs shown: those who work together most


@dataclass
class WorkerHours:
    name: str
    evening: float
    weekend: float
    total: float


@dataclass
class Gap:
    slot: str
    categories: list[str]
    free_knew: list[str]  # of those, what a worker free that day knows


@dataclass
class RunnerUp:
    """A worker who could have taken the place, and what would have changed."""

    name: str
    changes: list[str]


@dataclass
class Quality:
    rota_month: RotaMonth
    planner: str
    spread: dict[str, float]  # hours between most and fewest: evening, weekend, total
    workers: list[WorkerHours]
    slots: int
    gaps: list[Gap]
    most_together: int  # the busiest pair's shared slots
    even: int  # what an even rotation gives the busiest pair
    top_pairs: list[tuple[str, str, int]]
    moved: int
    # (slot id, worker id) -> the runners-up for that place, closest first
    why: dict[tuple[int, int], list[RunnerUp]] = field(default_factory=dict)

    @property
    def avoidable_gaps(self) -> int:
        return sum(bool(gap.free_knew) for gap in self.gaps)


def quality(rota_month: RotaMonth) -> Quality | None:
    """The month's plan figures for people, or None before the planner has kept any."""
    return qualities([rota_month]).get(rota_month.pk)


def qualities(rota_months) -> dict[int, Quality]:
    """`quality` of each month that has figures, by the month's pk; three queries in all."""
    months = [m for m in rota_months if (m.figures or {}).get("hours")]
    if not months:
        return {}
    worker_ids, category_ids, slot_ids = set(), set(), set()
    for month in months:
        figures = month.figures
        worker_ids |= {int(pk) for pk in figures["hours"]}
        worker_ids |= {w for a, b, _n in figures.get("pairs", {}).get("counts", []) for w in (a, b)}
        for entry in figures.get("uncovered", []):
            category_ids.update(entry["categories"])
            slot_ids.add(entry["slot_id"])
    names = {user.pk: user.display_name for user in User.objects.filter(pk__in=worker_ids)}
    categories = dict(ServiceCategory.objects.filter(pk__in=category_ids).values_list("pk", "name"))
    slots = {slot.pk: slot for slot in DutySlot.objects.filter(pk__in=slot_ids)}
    return {month.pk: _quality(month, names, categories, slots) for month in months}


def _quality(rota_month, names, categories, slots) -> Quality:
    figures = rota_month.figures
    counts = figures.get("pairs", {}).get("counts", [])

    def name(pk) -> str:
        return names.get(int(pk), "?")

    def slot_label(pk) -> str:
        slot = slots.get(pk)
        if slot is None:
            return "?"
        start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
        return f"{start:%m-%d} {start:%H:%M}–{end:%H:%M}"

    def category_names(ids) -> list[str]:
        return sorted(categories.get(c, "?") for c in ids)

    workers = sorted(
        (
            WorkerHours(
                name(pk),
                hours.get(SlotKind.EVENING, 0.0),
                hours.get(SlotKind.WEEKEND, 0.0),
                hours.get("total", 0.0),
            )
            for pk, hours in figures["hours"].items()
        ),
        key=lambda worker: (-worker.total, worker.name),
    )
    top = sorted(counts, key=lambda pair: (-pair[2], name(pair[0]), name(pair[1])))[:TOP_PAIRS]
    gaps = [
        Gap(
            slot_label(entry["slot_id"]),
            category_names(entry["categories"]),
            category_names(entry.get("free_knew", [])),
        )
        for entry in figures.get("uncovered", [])
    ]
    gaps.sort(key=lambda gap: gap.slot)
    why = {}
    for place, runners in figures.get("why", {}).items():
        slot_id, worker_id = (int(part) for part in place.split(":"))
        why[slot_id, worker_id] = [RunnerUp(name(pk), changes(terms)) for pk, terms in runners]
    pairs = figures.get("pairs", {})
    return Quality(
        rota_month=rota_month,
        planner=figures.get("planner", ""),
        spread=figures.get("spread", {}),
        workers=workers,
        slots=figures.get("slots", 0),
        gaps=gaps,
        most_together=pairs.get("most", 0),
        even=pairs.get("even", 0),
        top_pairs=[(name(a), name(b), n) for a, b, n in top],
        moved=figures.get("moved", 0),
        why=why,
    )


def changes(terms: dict) -> list[str]:
    """What putting a runner-up in the place would have changed, term by term, for people
    (the terms of `desks.rota.solver.reasons`; positive is worse)."""

    def hours(value) -> str:
        return number_format(abs(value), decimal_pos=1).removesuffix(".0").removesuffix(",0")

    said = []
    if spread := terms.get("spread"):
        message = (
            _("hours of this kind %(h)s h further apart")
            if spread > 0
            else _("hours of this kind %(h)s h closer")
        )
        said.append(message % {"h": hours(spread)})
    if total := terms.get("spread_total"):
        message = (
            _("all hours %(h)s h further apart") if total > 0 else _("all hours %(h)s h closer")
        )
        said.append(message % {"h": hours(total)})
    if uncovered := terms.get("uncovered"):
        n = abs(uncovered)
        if uncovered > 0:
            message = ngettext(
                "%(n)d more category uncovered", "%(n)d more categories uncovered", n
            )
        else:
            message = ngettext("%(n)d more category covered", "%(n)d more categories covered", n)
        said.append(message % {"n": n})
    if pair := terms.get("pair_most"):
        n = abs(pair)
        if pair > 0:
            message = ngettext(
                "the busiest pair shares %(n)d more slot",
                "the busiest pair shares %(n)d more slots",
                n,
            )
        else:
            message = ngettext(
                "the busiest pair shares %(n)d fewer slot",
                "the busiest pair shares %(n)d fewer slots",
                n,
            )
        said.append(message % {"n": n})
    if new := terms.get("new_pair"):
        said.append(
            _("two new workers together") if new > 0 else _("no longer two new workers together")
        )
    if moved := terms.get("moved"):
        said.append(
            _("a place of the previous draft moved")
            if moved > 0
            else _("a place of the previous draft kept")
        )
    return said or [_("no different on any term")]
