"""The report's tables of the walk-in queue (叫号): how long residents waited.

Waiting time is from taking a number to its first call (`QueueTicket.waited`): the time a
resident spent in the queue, whatever the desk did next. A ticket counts in the month it
was taken, once it was called (or served without a call, which counts as called then);
tickets never called (the resident left, the day ended) have no waiting time and are
counted apart. Median and 90th percentile (linear interpolation between the two nearest
waits, as PostgreSQL's percentile_cont), in minutes with one decimal, per opening window
(the duty slot the number was taken in: the rota's slots follow the hours) and per service
item, this month against last month. docs/reports.md cites this.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

DECIMALS = 1


def percentile(values: list[float], share: float) -> float | None:
    """The `share` percentile of `values` by linear interpolation (percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass
class Waits:
    """The waits (minutes) of one group of tickets in one month, and its tickets not called."""

    minutes: list[float] = field(default_factory=list)
    not_called: int = 0

    @property
    def called(self) -> int:
        return len(self.minutes)

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.minutes), DECIMALS) if self.minutes else None

    @property
    def p90(self) -> float | None:
        value = percentile(self.minutes, 0.9)
        return round(value, DECIMALS) if value is not None else None


def wait_columns() -> list[tuple[str, str]]:
    """(Waits attribute, heading) of each column of the waiting tables, in order: the page
    and the exports both read them."""
    return [
        ("median", _("Median (minutes)")),
        ("p90", _("90th percentile (minutes)")),
        ("called", _("Tickets called")),
        ("not_called", _("Tickets not called")),
    ]


@dataclass
class WaitRow:
    label: str
    current: Waits = field(default_factory=Waits)
    previous: Waits = field(default_factory=Waits)

    @property
    def cells(self) -> list[tuple[float | int | None, float | int | None]]:
        """(this month, last month) for each of wait_columns()."""
        return [
            (getattr(self.current, name), getattr(self.previous, name))
            for name, _heading in wait_columns()
        ]


@dataclass
class WaitTable:
    key: str
    title: str
    label_heading: str
    rows: list[WaitRow]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return wait_columns()

    @property
    def unit(self) -> str:
        return _(
            "Minutes from taking a number to its first call (median, 90th percentile); "
            "tickets called, and not called."
        )


class QueueTables:
    """MonthlyReport's queue tables; they use its `_totals` and `_item_names`."""

    def waiting_tables(self) -> list[WaitTable]:
        """Waiting time per opening window and per service item, this month against last,
        from the report's figures of each ticket (desks.reports.rollup: its window is the
        duty slot it was taken in, the rota's slots following the opening hours)."""
        by_window: dict[str, WaitRow] = defaultdict(lambda: WaitRow(""))
        by_item: dict[str, WaitRow] = defaultdict(lambda: WaitRow(""))
        outside = _("outside duty slots")
        for month, totals in self._totals.items():
            for window, item, not_called, minutes in totals.queue:
                for rows, label in (
                    (by_window, window or outside),
                    (by_item, self._item_names[item][1]),
                ):
                    row = rows[label]
                    row.label = label
                    waits = row.current if month == "current" else row.previous
                    waits.not_called += not_called
                    waits.minutes += minutes
        return [
            WaitTable(
                "waits-window",
                _("Waiting time by opening window"),
                _("Opening window"),
                sorted(by_window.values(), key=lambda row: row.label),
            ),
            WaitTable(
                "waits-item",
                _("Waiting time by service item"),
                _("Service item"),
                sorted(by_item.values(), key=lambda row: (-row.current.called, row.label)),
            ),
        ]
