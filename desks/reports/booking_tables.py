"""The report's tables of bookings (预约): made, served, cancelled, no-shows; how long booked
residents waited; and residents who needed a second visit for the same matter.

Every definition is in docs/reports.md ("Bookings"). A booking belongs to the month of its
day (the day booked for, not the day it was made).
"""

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass
class CountRow:
    label: str
    current: int
    previous: int
    definition: str = ""


@dataclass
class WaitRow:
    label: str
    served: int
    median: float | None  # minutes, one decimal
    p90: float | None


def p90(values: list[float]) -> float:
    """The 90th percentile by nearest rank: the wait 9 in 10 booked residents did not exceed."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


class BookingTables:
    """Built from a MonthlyReport: its figures of both months (desks.reports.rollup)."""

    def __init__(self, report):
        self.report = report

    def counts(self) -> list[CountRow]:
        """Bookings made, served, cancelled and no-shows, and residents with a second visit,
        this month against last."""
        current, previous = self.report._totals["current"], self.report._totals["previous"]
        labels = {
            "made": (_("Bookings made"), _("Bookings for a day of the month, cancelled included.")),
            "honoured": (
                _("Served"),
                _("Bookings whose resident arrived and whose request was logged."),
            ),
            "cancelled": (_("Cancelled"), _("By the resident or by staff.")),
            "no_show": (
                _("No-shows"),
                _("Not cancelled, nobody marked as arrived, and the window has ended."),
            ),
            "arrived_not_logged": (
                _("Arrived, not logged"),
                _("Marked as arrived, but no request was linked to the booking."),
            ),
        }
        rows = [
            CountRow(label, current.bookings[name], previous.bookings[name], definition)
            for name, (label, definition) in labels.items()
        ]
        second = self.second_visits()
        rows.append(
            CountRow(
                _("Residents with a second visit for the same matter"),
                second[0],
                second[1],
                _(
                    "Residents served for the same service item on two or more different days "
                    "of the month (walk-ins and booked visits alike)."
                ),
            )
        )
        return rows

    def second_visits(self) -> tuple[int, int]:
        """Residents (this month, last month) with alive requests for the same service item
        on two or more different local days of the month."""
        totals = self.report._totals
        return totals["current"].second_visits, totals["previous"].second_visits

    def waits(self) -> dict[str, list[WaitRow]]:
        """Minutes booked residents waited (Booking.waited), per window and per item: how
        many were served, the median and the 90th percentile."""
        names = self.report._item_names
        waits = [
            (window, names[item][1], minutes)
            for window, item, minutes in self.report._totals["current"].booking_waits
        ]
        return {
            "window": self._wait_rows(waits, 0),
            "item": self._wait_rows(waits, 1),
        }

    def _wait_rows(self, waits, position: int) -> list[WaitRow]:
        groups: dict[str, list[float]] = {}
        for wait in waits:
            groups.setdefault(wait[position], []).append(wait[2])
        return [
            WaitRow(
                label,
                len(minutes),
                round(statistics.median(minutes), 1),
                round(p90(minutes), 1),
            )
            for label, minutes in sorted(groups.items())
        ]
