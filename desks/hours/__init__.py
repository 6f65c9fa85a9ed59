"""Opening hours: when each desk is open, decided in one place (`opening`).

Everything that asks "is community C open on date D, and when" (public pages,
the JSON API, calendar feeds, the rota's slots, the notice slip) asks this package.
"""

from desks.hours.opening import (
    DEFAULT_WEEK,
    Centre,
    DayHours,
    DayKind,
    OpeningHours,
    Status,
    Window,
    centres,
    has_official_arrangement,
    open_windows,
    osm_opening_hours,
    provisional_years,
    status_as_json,
    status_at,
    working_days_after,
    years_missing_arrangement,
)

__all__ = [
    "DEFAULT_WEEK",
    "Centre",
    "DayHours",
    "DayKind",
    "OpeningHours",
    "Status",
    "Window",
    "centres",
    "has_official_arrangement",
    "open_windows",
    "osm_opening_hours",
    "provisional_years",
    "status_as_json",
    "status_at",
    "working_days_after",
    "years_missing_arrangement",
]
