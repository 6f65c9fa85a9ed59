"""The report's request figures per community and month: one scan, kept once a month ends.

Every figure of the report that counts requests (the summary's requests, people,
extended and regular hours and repeat visits, the grouped tables, the rates per
community, worker and item, the daily line and the heat map) adds up the same
per-community counts. `month_figures` computes them for one month in one grouped
query. A month that has ended is read from `MonthFigures` instead: computed the first
time it is asked for, kept, and forgotten by any change that touches it
(`MonthFigures.forget`, in the same transaction as the change), so the next report
computes it again.

A community's figures are plain JSON (ids as text keys):

    {"counts": {"total": n, "people": n, ...},
     "item": {"<item id>": [requests, rated, resolved, ...]},   # RATE_FIELDS
     "worker": {"<user id>": [...]},                              # RATE_FIELDS
     "outcome": {"answered": n, ...}, "channel": {"walk_in": n, ...},
     "cells": [[day of month, hour, n], ...]}
"""

import collections
import dataclasses
import datetime as dt

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractDay, ExtractHour

from desks.core.dates import Month
from desks.models import CallBack, MonthFigures, ServiceRequest
from desks.models.reports import KEEP_AFTER, REPEAT_WINDOW
from desks.models.voice import SATISFIED_FROM
from desks.reports.voice_tables import RESOLVED_AT_THE_DESK, Rates

COUNTS = ("total", "people", "extended", "regular", "with_resident", "repeats")
RATE_FIELDS = tuple(field.name for field in dataclasses.fields(Rates))
GROUPS = ("community_id", "service_item_id", "logged_by_id", "outcome", "channel", "day", "hour")


def is_kept(month: Month, now: dt.datetime) -> bool:
    """Whether the report keeps `month`'s figures: it ended at least KEEP_AFTER ago."""
    return month.bounds()[1] + KEEP_AFTER <= now


def month_figures(community_ids: list[int], month: Month) -> dict[int, dict]:
    """Each community's figures for `month` (the module's docstring), in one query."""
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
    figures = {community_id: _empty() for community_id in community_ids}
    rate_names = RATE_FIELDS[1:]  # "requests" is the total
    for community_id, item, worker, outcome, channel, day, hour, *values in rows:
        found = dict(zip(aggregates, values, strict=True))
        mine = figures[community_id]
        counts = mine["counts"]
        for name in COUNTS:
            counts[name] += found[name] or 0
        rates = [found["total"], *(found[name] for name in rate_names)]
        for group, key in (("item", str(item)), ("worker", str(worker))):
            kept = mine[group].setdefault(key, [0] * len(RATE_FIELDS))
            for index, value in enumerate(rates):
                kept[index] += value
        mine["outcome"][outcome] = mine["outcome"].get(outcome, 0) + found["total"]
        mine["channel"][channel] = mine["channel"].get(channel, 0) + found["total"]
        mine["cells"].append([day, hour, found["total"]])
    return figures


def _empty() -> dict:
    return {
        "counts": dict.fromkeys(COUNTS, 0),
        "item": {},
        "worker": {},
        "outcome": {},
        "channel": {},
        "cells": [],
    }


def figures(community_ids: list[int], months: list[Month], now: dt.datetime) -> dict:
    """{month: {community id: figures}} for each of `months`: kept months read (one query
    for all), what is missing computed (one query a month) and kept (one statement)."""
    kept_months = [month for month in months if is_kept(month, now)]
    found = {month: {} for month in months}
    generations = {}
    if kept_months and community_ids:
        by_day = {month.first_day: month for month in kept_months}
        for row in MonthFigures.objects.filter(
            community_id__in=community_ids, month__in=list(by_day)
        ).values_list("community_id", "month", "generation", "figures"):
            community_id, first_day, generation, kept = row
            generations[by_day[first_day], community_id] = generation
            if kept is not None:
                found[by_day[first_day]][community_id] = kept
    to_keep = []
    for month in months:
        missing = [pk for pk in community_ids if pk not in found[month]]
        if not missing:
            continue
        computed = month_figures(missing, month)
        found[month] |= computed
        if month in kept_months:
            to_keep += [
                (pk, month.first_day, generations.get((month, pk), 0), computed[pk])
                for pk in missing
            ]
    if to_keep:
        _keep(to_keep)
    return found


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
    cells: dict[tuple[int, int], int]  # (day of month, hour) → requests

    @classmethod
    def of(cls, by_community: dict[int, dict]) -> "Totals":
        counts = dict.fromkeys(COUNTS, 0)
        community, item, worker = {}, {}, {}
        outcome, channel = collections.Counter(), collections.Counter()
        cells = collections.Counter()
        for community_id, mine in by_community.items():
            for name in COUNTS:
                counts[name] += mine["counts"][name]
            total = [0] * len(RATE_FIELDS)
            for key, rates in mine["item"].items():
                _add(item, int(key), rates)
                _add_to(total, rates)
            for key, rates in mine["worker"].items():
                _add(worker, int(key), rates)
            if total[0]:
                community[community_id] = total
            outcome.update(mine["outcome"])
            channel.update(mine["channel"])
            for day, hour, n in mine["cells"]:
                cells[day, hour] += n
        return cls(counts, community, item, worker, dict(outcome), dict(channel), dict(cells))


def _add(table: dict, key, rates: list[int]) -> None:
    _add_to(table.setdefault(key, [0] * len(RATE_FIELDS)), rates)


def _add_to(total: list[int], rates: list[int]) -> None:
    for index, value in enumerate(rates):
        total[index] += value
