"""The report's tables of bookings (预约): made, served, cancelled, no-shows; how long booked
residents waited; and residents who needed a second visit for the same matter.

Every definition is in docs/reports.md ("Bookings"). A booking belongs to the month of its
day (the day booked for, not the day it was made).
"""

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from desks.core.dates import Month
from desks.models import Booking, ServiceRequest


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
    """Built from a MonthlyReport: its communities, month and clock."""

    def __init__(self, report):
        self.month: Month = report.month
        self.community_ids = report.community_ids
        self.now = report.now

    def _bookings(self, first: Month, last: Month):
        """Bookings for a day from the first day of `first` to the last day of `last`."""
        return Booking.objects.filter(
            community_id__in=self.community_ids,
            day__gte=first.first_day,
            day__lt=last.next.first_day,
        )

    def _in(self, month: Month) -> Q:
        return Q(day__gte=month.first_day, day__lt=month.next.first_day)

    def counts(self) -> list[CountRow]:
        """Bookings made, served, cancelled and no-shows, this month against last (one
        query), and residents with a second visit (one more)."""
        status = Booking.Status

        def now(which):
            return Booking.status_condition(which, self.now)

        figures = {
            "made": Q(),
            "honoured": now(status.HONOURED),
            "cancelled": now(status.CANCELLED),
            "no_show": now(status.NO_SHOW),
            "arrived_not_logged": now(status.ARRIVED) & Q(ends_at__lte=self.now),
        }
        months = {"current": self.month, "previous": self.month.previous}
        counted = self._bookings(self.month.previous, self.month).aggregate(
            **{
                f"{name}_{when}": Count("pk", filter=condition & self._in(month))
                for name, condition in figures.items()
                for when, month in months.items()
            }
        )
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
            CountRow(label, counted[f"{name}_current"], counted[f"{name}_previous"], definition)
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
        on two or more different local days of the month. One query for both months."""
        zone = timezone.get_current_timezone()
        start, end = self.month.previous.bounds()[0], self.month.bounds()[1]
        pairs = (
            ServiceRequest.objects.alive()
            .filter(
                community_id__in=self.community_ids,
                logged_at__gte=start,
                logged_at__lt=end,
                resident__isnull=False,
            )
            .annotate(
                month=TruncMonth("logged_at", tzinfo=zone),
                day=TruncDate("logged_at", tzinfo=zone),
            )
            .values("month", "resident", "service_item")
            .annotate(days=Count("day", distinct=True))
            .filter(days__gte=2)
            .values_list("month", "resident")
        )
        residents = {self.month.first_day: set(), self.month.previous.first_day: set()}
        for month, resident in pairs:
            first_day = month.date() if isinstance(month, dt.datetime) else month
            residents[first_day].add(resident)
        return (
            len(residents[self.month.first_day]),
            len(residents[self.month.previous.first_day]),
        )

    def _waits(self) -> list[tuple[str, str, float]]:
        """(window, item, minutes waited) of each booking served this month."""
        served = (
            self._bookings(self.month, self.month)
            .filter(request__isnull=False, arrived_at__isnull=False)
            .values_list(
                "starts_at", "ends_at", "arrived_at", "request__logged_at", "service_item__name"
            )
        )
        waits = []
        for starts_at, ends_at, arrived_at, logged_at, item in served:
            window = f"{timezone.localtime(starts_at):%H:%M}–{timezone.localtime(ends_at):%H:%M}"
            waited = max(logged_at - max(arrived_at, starts_at), dt.timedelta())
            waits.append((window, item, _minutes(waited)))
        return waits

    def waits(self) -> dict[str, list[WaitRow]]:
        """Minutes booked residents waited (Booking.waited), per window and per item: how
        many were served, the median and the 90th percentile. One query."""
        waits = self._waits()
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
