"""Every figure of the report per community and month: one scan of each table, kept once
a month ends.

The report's figures add up per-community figures of a month. `month_figures` computes
them for one month: one grouped scan of the requests (with their rating, call-back and
follow-up), one of the slots (with the opening hours of their days), one of the served
duty, one of the bookings and one of the queue tickets. A month that has ended is read
from `MonthFigures` instead: computed the first time it is asked for, kept, and
forgotten by any change that touches it (`MonthFigures.forget`, in the same transaction
as the change), so the next report computes it again.

A community's figures are plain JSON (ids as text keys; seconds and minutes, never hours,
so that adding them up gives what one scan would):

    {"version": VERSION,
     "counts": {"total": n, "people": n, ...},                    # COUNTS
     "item": {"<item id>": [requests, rated, resolved, ...]},      # RATE_FIELDS
     "worker": {"<user id>": [...]},                                # RATE_FIELDS
     "outcome": {"answered": n, ...}, "channel": {"walk_in": n, ...},
     "daily": [n on day 1, n on day 2, ...],
     "heat": [[hour, weekday (Monday 0), n], ...],
     "visits": ["<resident id>:<item id>:<day of month>", ...],     # known residents' visits
     "slots": {"planned": n, "planned_seconds": s, "held": n, ...}, # SLOT_FIGURES
     "comp": {"<worker id>": [evening seconds, weekend seconds]},  # served duty
     "bookings": {"made": n, "honoured": n, ...},                  # BOOKING_FIGURES
     "booking_waits": [["18:00–20:00", item id, minutes], ...],    # served bookings
     "queue": [["18:00–20:00" or "", item id, not called, [minutes, ...]], ...]}
"""

import collections
import dataclasses
import datetime as dt
import functools
import json

from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.functions import Cast, ExtractDay, ExtractHour
from django.utils import timezone

from desks import hours
from desks.core.compiled import CompiledQuery
from desks.core.dates import Month
from desks.models import (
    Assignment,
    Booking,
    CallBack,
    DutySlot,
    MonthFigures,
    QueueTicket,
    ServiceRequest,
    SlotKind,
)
from desks.models.reports import KEEP_AFTER, REPEAT_WINDOW
from desks.models.voice import SATISFIED_FROM
from desks.reports.voice_tables import RESOLVED_AT_THE_DESK, Rates

# The shape of the kept figures: rows kept in another shape are computed again.
VERSION = 3
COUNTS = ("total", "people", "extended", "regular", "with_resident", "repeats")
RATE_FIELDS = tuple(field.name for field in dataclasses.fields(Rates))
GROUPS = (
    "community_id",
    "service_item_id",
    "logged_by_id",
    "outcome",
    "channel",
    "day",
    "hour",
    "resident_id",
)
SLOT_FIGURES = ("planned", "planned_seconds", "held", "held_seconds", "staffed")
BOOKING_FIGURES = ("made", "honoured", "cancelled", "no_show", "arrived_not_logged")
# Comp time's two rates (a street office's ratio for each), in the order "comp" keeps them.
COMP_KINDS = (SlotKind.EVENING, SlotKind.WEEKEND)
SLOT_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def is_kept(month: Month, now: dt.datetime) -> bool:
    """Whether the report keeps `month`'s figures: it ended at least KEEP_AFTER ago."""
    return month.bounds()[1] + KEEP_AFTER <= now


def window_label(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """18:00–20:00: a window (a slot's, a booking's) in local time."""
    return f"{timezone.localtime(starts_at):%H:%M}–{timezone.localtime(ends_at):%H:%M}"


def month_figures(communities: list, month: Month, now: dt.datetime) -> dict[int, dict]:
    """Each community's figures for `month` (the module's docstring), at `now` (a slot is
    held, and a booking a no-show, once it has ended): one query per table, and the
    opening hours of the month's slot days."""
    figures = {community.pk: _empty() for community in communities}
    ids = list(figures)
    _requests(figures, ids, month)
    _slots(figures, communities, month, now)
    _comp(figures, ids, month)
    _bookings(figures, ids, month, now)
    _queue(figures, ids, month)
    return figures


def _requests(figures: dict[int, dict], community_ids: list[int], month: Month) -> None:
    start, end = month.bounds()
    earlier_visit = ServiceRequest.objects.alive().filter(
        resident_id=OuterRef("resident_id"),
        service_item_id=OuterRef("service_item_id"),
        logged_at__lt=OuterRef("logged_at"),
        logged_at__gte=OuterRef("logged_at") - REPEAT_WINDOW,
    )
    extended = ServiceRequest.extended_hours_condition()
    # A request has at most one rating, follow-up and call-back: the joins never
    # multiply rows.
    aggregates = {
        "total": Count("pk"),
        "people": Sum("count"),
        "extended": Count("pk", filter=extended),
        "regular": Count("pk", filter=~extended),
        "with_resident": Count("pk", filter=Q(resident__isnull=False)),
        "repeats": Count("pk", filter=Q(Exists(earlier_visit), resident__isnull=False)),
        "rated": Count("rating"),
        "resolved": Count(
            "pk",
            filter=Q(outcome__in=RESOLVED_AT_THE_DESK) | Q(follow_up__closed_at__isnull=False),
        ),
        "satisfied": Count("pk", filter=Q(rating__level__gte=SATISFIED_FROM)),
        "call_backs": Count("rating__call_back"),
        "call_backs_closed": Count(
            "rating__call_back", filter=Q(rating__call_back__closed_at__isnull=False)
        ),
        "call_backs_on_time": Count(
            "rating__call_back", filter=CallBack.closed_on_time_condition("rating__call_back__")
        ),
    }
    rows = (
        ServiceRequest.objects.alive()
        .filter(community_id__in=community_ids, logged_at__gte=start, logged_at__lt=end)
        .annotate(day=ExtractDay("logged_at"), hour=ExtractHour("logged_at"))
        .values(*GROUPS)
        .annotate(**aggregates)
        .order_by()
        .values_list(*GROUPS, *aggregates)
    )
    # The aggregates come in the order of COUNTS, then of RATE_FIELDS ("requests" is the
    # total): each row's values are sliced rather than looked up by name.
    assert list(aggregates) == [*COUNTS, *RATE_FIELDS[1:]]
    visits = {community_id: set() for community_id in community_ids}
    heat = {community_id: collections.Counter() for community_id in community_ids}
    days = (month.last_day - month.first_day).days + 1
    weekdays = [month.first_day.replace(day=day).weekday() for day in range(1, days + 1)]
    for mine in figures.values():
        mine["daily"] = [0] * days
    for community_id, item, worker, outcome, channel, day, hour, resident, *values in rows:
        total = values[0]
        mine = figures[community_id]
        counts = mine["counts"]
        for name, value in zip(COUNTS, values, strict=False):
            counts[name] += value or 0
        rates = [total, *values[len(COUNTS) :]]
        for group, key in ((mine["item"], str(item)), (mine["worker"], str(worker))):
            kept = group.get(key)
            added = rates if kept is None else [a + b for a, b in zip(kept, rates, strict=True)]
            group[key] = added
        mine["outcome"][outcome] = mine["outcome"].get(outcome, 0) + total
        mine["channel"][channel] = mine["channel"].get(channel, 0) + total
        mine["daily"][day - 1] += total
        heat[community_id][hour, weekdays[day - 1]] += total
        if resident is not None:
            visits[community_id].add(f"{resident}:{item}:{day}")
    for community_id, seen in visits.items():
        figures[community_id]["visits"] = sorted(seen)
        cells = sorted(heat[community_id].items())
        figures[community_id]["heat"] = [[hour, weekday, n] for (hour, weekday), n in cells]


def _slots(figures: dict[int, dict], communities: list, month: Month, now: dt.datetime) -> None:
    """Slots planned, held and staffed, and their seconds (docs/reports.md).

    Planned: in the rota and not cancelled (DutySlot.objects.live()). Held: planned,
    ended by `now`, on a day the hours (desks.hours) say the desk opens: a slot left on
    a day that closed since (a typhoon, a holiday entered late) did not take place.
    Staffed: held, with a worker who served it (SERVED). One query groups the slots by
    community and day; the hours of those days cost their own few queries.
    """
    start, end = month.bounds()
    served = Assignment.objects.served().filter(slot=OuterRef("pk"))
    ended = Q(ends_at__lte=now)
    days = list(
        DutySlot.objects.live()
        .filter(community_id__in=list(figures), starts_at__gte=start, starts_at__lt=end)
        .values("community_id", "date")
        .annotate(
            planned=Count("pk"),
            planned_seconds=Sum(SLOT_LENGTH),
            held=Count("pk", filter=ended),
            held_seconds=Sum(SLOT_LENGTH, filter=ended),
            staffed=Count("pk", filter=ended & Q(Exists(served))),
        )
        .order_by()
    )
    if not days:
        return
    opening = hours.OpeningHours(communities, month.first_day, month.last_day)
    by_pk = {community.pk: community for community in communities}
    for day in days:
        is_open = opening.day(by_pk[day["community_id"]], day["date"]).is_open
        slots = figures[day["community_id"]]["slots"]
        for name in SLOT_FIGURES:
            if name.startswith("planned") or is_open:
                slots[name] += _seconds(day[name])


def _seconds(value) -> int:
    """A count, or a length (timedelta, or PostgreSQL's interval) as whole seconds."""
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    return value or 0


def _comp(figures: dict[int, dict], community_ids: list[int], month: Month) -> None:
    """Seconds of duty served per worker and kind of slot, by the slot's community: comp
    time accrued, before the worker's street office's ratio (applied when shown)."""
    start, end = month.bounds()
    served = (
        Assignment.objects.served()
        # By the slot's start (an assignment repeats it): the slots' index on
        # (community, starts_at) then leads to their assignments. Filtered on the
        # assignment's own start, PostgreSQL scanned every assignment (54 → 10 ms).
        .filter(
            slot__community_id__in=community_ids,
            slot__starts_at__gte=start,
            slot__starts_at__lt=end,
        )
        .values("slot__community_id", "worker_id", "slot__kind")
        .annotate(length=Sum(SLOT_LENGTH))
        .order_by()
        .values_list("slot__community_id", "worker_id", "slot__kind", "length")
    )
    for community_id, worker_id, kind, length in served:
        kept = figures[community_id]["comp"].setdefault(str(worker_id), [0] * len(COMP_KINDS))
        kept[COMP_KINDS.index(kind)] += _seconds(length)


def _bookings(
    figures: dict[int, dict], community_ids: list[int], month: Month, now: dt.datetime
) -> None:
    """Bookings for a day of the month by where they stand at `now` (Booking.status_at),
    and the wait of each served one (Booking.waited), in one query."""
    status = Booking.Status
    rows = Booking.objects.filter(
        community_id__in=community_ids,
        day__gte=month.first_day,
        day__lt=month.next.first_day,
    ).values_list(
        "community_id",
        "starts_at",
        "ends_at",
        "cancelled_at",
        "arrived_at",
        "request_id",
        "request__logged_at",
        "service_item_id",
    )
    for (
        community_id,
        starts_at,
        ends_at,
        cancelled_at,
        arrived_at,
        request_id,
        logged_at,
        item,
    ) in rows:
        booking = Booking(
            starts_at=starts_at,
            ends_at=ends_at,
            cancelled_at=cancelled_at,
            arrived_at=arrived_at,
            request_id=request_id,
        )
        where = booking.status_at(now)
        counts = figures[community_id]["bookings"]
        counts["made"] += 1
        if where in (status.HONOURED, status.CANCELLED, status.NO_SHOW):
            counts[where] += 1
        elif where == status.ARRIVED and ends_at <= now:
            counts["arrived_not_logged"] += 1
        if request_id is not None and arrived_at is not None:
            waited = max(logged_at - max(arrived_at, starts_at), dt.timedelta())
            figures[community_id]["booking_waits"].append(
                [window_label(starts_at, ends_at), item, waited.total_seconds() / 60]
            )


def _queue(figures: dict[int, dict], community_ids: list[int], month: Month) -> None:
    """Each ticket taken in the month: its window (the live duty slot it was taken in,
    "" outside them), its item, and the minutes to its first call (QueueTicket.waited),
    grouped per window and item. One query; the slot is read by a subquery."""
    start, end = month.bounds()
    slot = DutySlot.objects.live().filter(
        community=OuterRef("community"),
        starts_at__lte=OuterRef("taken_at"),
        ends_at__gt=OuterRef("taken_at"),
    )
    tickets = (
        QueueTicket.objects.filter(
            community_id__in=community_ids, taken_at__gte=start, taken_at__lt=end
        )
        .annotate(
            slot_start=Subquery(slot.values("starts_at")[:1]),
            slot_end=Subquery(slot.values("ends_at")[:1]),
        )
        .order_by("taken_at", "pk")
        .values_list(
            "community_id", "service_item_id", "taken_at", "called_at", "slot_start", "slot_end"
        )
    )
    groups: dict[int, dict[tuple[str, int], list]] = collections.defaultdict(dict)
    for community_id, item, taken_at, called_at, slot_start, slot_end in tickets:
        window = window_label(slot_start, slot_end) if slot_start else ""
        group = groups[community_id].setdefault((window, item), [window, item, 0, []])
        if called_at is None:
            group[2] += 1
        else:
            group[3].append((called_at - taken_at).total_seconds() / 60)
    for community_id, found in groups.items():
        figures[community_id]["queue"] = list(found.values())


def _empty() -> dict:
    return {
        "version": VERSION,
        "counts": dict.fromkeys(COUNTS, 0),
        "item": {},
        "worker": {},
        "outcome": {},
        "channel": {},
        "daily": [],
        "heat": [],
        "visits": [],
        "slots": dict.fromkeys(SLOT_FIGURES, 0),
        "comp": {},
        "bookings": dict.fromkeys(BOOKING_FIGURES, 0),
        "booking_waits": [],
        "queue": [],
    }


def figures(communities: list, months: list[Month], now: dt.datetime) -> dict:
    """{month: {community id: figures}} for each of `months`: kept months read (one query
    for all), what is missing computed (month_figures) and kept (one statement)."""
    community_ids = [community.pk for community in communities]
    kept_months = [month for month in months if is_kept(month, now)]
    found = {month: {} for month in months}
    generations = {}
    if kept_months and community_ids:
        by_day = {month.first_day: month for month in kept_months}
        for row in _KEPT.rows(community_ids=community_ids, months=list(by_day)):
            community_id, first_day, generation, text = row
            generations[by_day[first_day], community_id] = generation
            kept = None if text is None else _parsed(text)
            if kept is not None and kept.get("version") == VERSION:
                found[by_day[first_day]][community_id] = kept
    to_keep = []
    for month in months:
        missing = [community for community in communities if community.pk not in found[month]]
        if not missing:
            continue
        computed = month_figures(missing, month, now)
        found[month] |= computed
        if month in kept_months:
            to_keep += [
                (pk, month.first_day, generations.get((month, pk), 0), computed[pk])
                for pk in computed
            ]
    if to_keep:
        _keep(to_keep)
    return found


# The kept figures of some communities and months (their first days), as JSON text
# (`_parsed`); its SQL built once per process (desks.core.compiled).
_KEPT = CompiledQuery(
    lambda community_ids, months: (
        MonthFigures.objects.filter(community_id__in=community_ids, month__in=months)
        .annotate(text=Cast("figures", TextField()))
        .values_list("community_id", "month", "generation", "text")
    ),
    community_ids=list[int],
    months=list[dt.date],
)


@functools.lru_cache(maxsize=128)
def _parsed(text: str) -> dict:
    """Kept figures as Python. Their text is their content (a change to the month forgets
    them, and what is kept next is other text), so the same text is parsed once per
    process: a street office's two months are 40 rows, ~4 ms of json.loads on every
    page. 128 rows (three offices' reports): a ~20 kB text and ~6× that parsed each,
    ~15 MB a process. Shared by every report and thread that reads them: read, never
    changed in place (Totals.of copies what it adds up; a sort() here would corrupt the
    next report)."""
    return json.loads(text)


def _keep(rows: list[tuple[int, dt.date, int, dict]]) -> None:
    """Store computed figures in one statement, each only if no change forgot its month
    since the generation was read (MonthFigures says why)."""
    table = connection.ops.quote_name(MonthFigures._meta.db_table)
    field = MonthFigures._meta.get_field("figures")
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params = []
    for community_id, first_day, generation, kept in rows:
        params += [community_id, first_day, generation, field.get_db_prep_save(kept, connection)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (community_id, month, generation, figures) VALUES {values} "
            "ON CONFLICT (community_id, month) DO UPDATE SET figures = excluded.figures "
            f"WHERE {table}.generation = excluded.generation",
            params,
        )


@dataclasses.dataclass
class Totals:
    """A scope's figures for one month: the communities' figures added up."""

    counts: dict[str, int]
    community: dict[int, list[int]]  # community id → RATE_FIELDS
    item: dict[int, list[int]]
    worker: dict[int, list[int]]
    outcome: dict[str, int]
    channel: dict[str, int]
    daily: list[int]  # requests on each day of the month
    heat: dict[tuple[int, int], int]  # (hour, weekday) → requests
    second_visits: int  # residents served for one item on two or more days of the month
    slots: dict[str, int]  # SLOT_FIGURES
    comp: dict[int, list[int]]  # worker id → seconds served per COMP_KINDS
    bookings: dict[str, int]  # BOOKING_FIGURES
    booking_waits: list[tuple[str, int, float]]  # (window, item id, minutes)
    queue: list[tuple[str, int, int, list[float]]]  # (window, item id, not called, minutes)

    @classmethod
    def of(cls, by_community: dict[int, dict]) -> "Totals":
        """Adds up `by_community` (kept figures: read, never changed). Ids stay text while
        adding up and become ints once at the end: a street office's two months add up
        ~4,000 entries on every page."""
        counts = dict.fromkeys(COUNTS, 0)
        slots = dict.fromkeys(SLOT_FIGURES, 0)
        bookings = dict.fromkeys(BOOKING_FIGURES, 0)
        community, item, worker, comp = {}, {}, {}, {}
        outcome, channel, heat = {}, {}, {}
        daily = None
        visits = set()  # "resident:item:day"
        booking_waits, queue = [], []
        for community_id, mine in by_community.items():
            _add(counts, mine["counts"])
            if mine["item"]:
                community[community_id] = [
                    sum(column) for column in zip(*mine["item"].values(), strict=True)
                ]
            _merge(item, mine["item"])
            _merge(worker, mine["worker"])
            _add(outcome, mine["outcome"])
            _add(channel, mine["channel"])
            if daily is None:
                daily = list(mine["daily"])
            else:
                daily = [a + b for a, b in zip(daily, mine["daily"], strict=True)]
            for hour, weekday, n in mine["heat"]:
                heat[hour, weekday] = heat.get((hour, weekday), 0) + n
            visits.update(mine["visits"])
            _add(slots, mine["slots"])
            _merge(comp, mine["comp"])
            _add(bookings, mine["bookings"])
            booking_waits += mine["booking_waits"]
            queue += mine["queue"]
        # A matter (resident, item) seen on two days or more: its resident came back.
        days = collections.Counter([visit.rpartition(":")[0] for visit in visits])
        second_visits = len({matter.partition(":")[0] for matter, n in days.items() if n > 1})
        return cls(
            counts,
            community,
            _by_id(item),
            _by_id(worker),
            outcome,
            channel,
            daily or [],
            heat,
            second_visits,
            slots,
            _by_id(comp),
            bookings,
            booking_waits,
            queue,
        )


def _add(table: dict, figures: dict) -> None:
    """Add `figures` (name → number) into `table`."""
    for key, value in figures.items():
        table[key] = table.get(key, 0) + value


def _merge(table: dict[str, list[int]], rows: dict[str, list[int]]) -> None:
    """Add `rows` (kept figures: text ids → counts) into `table`, by id."""
    for key, values in rows.items():
        kept = table.get(key)
        table[key] = (
            list(values) if kept is None else [a + b for a, b in zip(kept, values, strict=True)]
        )


def _by_id(table: dict[str, list[int]]) -> dict[int, list[int]]:
    return {int(key): values for key, values in table.items()}
