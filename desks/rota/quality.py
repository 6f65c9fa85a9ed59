"""A generated month's quality for people: what `RotaMonth.figures` (desks.rota.solver)
records, with names instead of ids, for the head's month page in the admin.

Three queries whatever the month's size: the workers, the categories and the slots
the figures name.
"""

from dataclasses import dataclass

from django.utils import timezone

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


@dataclass
class Quality:
    planner: str
    spread: dict[str, float]  # hours between most and fewest: evening, weekend, total
    workers: list[WorkerHours]
    slots: int
    gaps: list[Gap]
    most_together: int  # the busiest pair's shared slots
    even: int  # what an even rotation gives the busiest pair
    top_pairs: list[tuple[str, str, int]]
    moved: int


def quality(rota_month: RotaMonth) -> Quality | None:
    """The month's plan figures for people, or None before the planner has kept any."""
    figures = rota_month.figures or {}
    if not figures.get("hours"):
        return None
    counts = figures.get("pairs", {}).get("counts", [])
    worker_ids = {int(pk) for pk in figures["hours"]} | {w for a, b, _n in counts for w in (a, b)}
    names = {user.pk: user.display_name for user in User.objects.filter(pk__in=worker_ids)}
    uncovered = figures.get("uncovered", [])
    category_ids = {c for entry in uncovered for c in entry["categories"]}
    categories = dict(ServiceCategory.objects.filter(pk__in=category_ids).values_list("pk", "name"))
    slots = {
        slot.pk: slot
        for slot in DutySlot.objects.filter(pk__in=[entry["slot_id"] for entry in uncovered])
    }

    def name(pk) -> str:
        return names.get(int(pk), "?")

    def slot_label(pk) -> str:
        slot = slots.get(pk)
        if slot is None:
            return "?"
        start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
        return f"{start:%m-%d} {start:%H:%M}–{end:%H:%M}"

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
            sorted(categories.get(c, "?") for c in entry["categories"]),
        )
        for entry in uncovered
    ]
    gaps.sort(key=lambda gap: gap.slot)
    pairs = figures.get("pairs", {})
    return Quality(
        planner=figures.get("planner", ""),
        spread=figures.get("spread", {}),
        workers=workers,
        slots=figures.get("slots", 0),
        gaps=gaps,
        most_together=pairs.get("most", 0),
        even=pairs.get("even", 0),
        top_pairs=[(name(a), name(b), n) for a, b, n in top],
        moved=figures.get("moved", 0),
    )
