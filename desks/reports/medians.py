"""Medians: PostgreSQL computes them; SQLite has none, so there Python does."""

import statistics

from django.db import connection
from django.db.models import (
    Aggregate,
    DurationField,
    ExpressionWrapper,
    F,
)

TIME_TO_CLOSE = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())


def median_days_to_close(follow_ups) -> float:
    """Median of (closed - opened) in days.

    PostgreSQL computes it (percentile_cont); SQLite has no median, so there
    the durations are fetched (one query) and the median taken in Python.
    """
    if connection.vendor == "postgresql":
        value = follow_ups.aggregate(median=PercentileCont(TIME_TO_CLOSE))["median"]
        return round(value.total_seconds() / 86400, 1) if value is not None else 0
    durations = list(follow_ups.annotate(d=TIME_TO_CLOSE).values_list("d", flat=True))
    if not durations:
        return 0
    return round(statistics.median(d.total_seconds() for d in durations) / 86400, 1)


class PercentileCont(Aggregate):
    """PostgreSQL's median: percentile_cont(0.5) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = DurationField()
