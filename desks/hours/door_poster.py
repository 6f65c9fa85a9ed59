"""What the door poster (/c/<slug>/poster/) says: this week's hours and the special days ahead.

The poster hangs on the centre's door for weeks, so besides this week (Monday to
Sunday) it lists the coming holiday blocks, make-up working days and date overrides,
each run of equal days on one line: "国庆节 10月1日–10月7日 闭馆". A holiday block (a
run of holiday days) is one line, however the library names each of its days.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from desks.hours.opening import DayHours, DayKind, OpeningHours, Window
from desks.models import Community

# How far ahead the poster looks for holidays and closures, and how many lines it
# gives them so that it still fits on one A4 page; the rest is a scan away.
COMING_DAYS = 60
COMING_LINES = 8


@dataclass(frozen=True)
class Period:
    """Consecutive days with the same special hours and the same reason."""

    days: tuple[DayHours, ...]
    # The days either side are provisional: a holiday block of a year whose notice is
    # not out is fixed by law at its core (除夕 to 初三), but how far it runs is a guess.
    edges_provisional: bool = False

    @property
    def first(self) -> dt.date:
        return self.days[0].date

    @property
    def last(self) -> dt.date:
        return self.days[-1].date

    @property
    def is_one_day(self) -> bool:
        return len(self.days) == 1

    @property
    def kind(self) -> DayKind:
        return self.days[0].kind

    @property
    def note(self) -> str:
        """The reason; a holiday block is named like its weekend days, by its commonest
        name (春节, not 农历除夕 nor the library's "休息日（由 2026-02-14 调休）")."""
        counts = Counter(str(day.note) for day in self.days)
        return counts.most_common(1)[0][0]

    @property
    def windows(self) -> tuple[Window, ...]:
        return self.days[0].windows

    @property
    def is_open(self) -> bool:
        return bool(self.windows)

    @property
    def provisional(self) -> bool:
        return self.edges_provisional or any(day.provisional for day in self.days)


def _same_period(day: DayHours, previous: DayHours) -> bool:
    """Whether `day` continues the run `previous` ends: a holiday block is one run
    whatever each of its days is called; other days need the same reason."""
    return (
        day.date - previous.date == dt.timedelta(days=1)
        and day.kind == previous.kind
        and day.windows == previous.windows
        and (day.kind == DayKind.HOLIDAY or str(day.note) == str(previous.note))
    )


def special_periods(days: Iterable[DayHours]) -> list[Period]:
    """The days that are not a regular day of the week, grouped into runs of equal days."""
    days = list(days)
    runs: list[list[DayHours]] = []
    for day in days:
        if day.kind == DayKind.REGULAR:
            continue
        if runs and _same_period(day, runs[-1][-1]):
            runs[-1].append(day)
        else:
            runs.append([day])
    by_date = {day.date: day for day in days}

    def edges_provisional(run: list[DayHours]) -> bool:
        edges = (
            by_date.get(run[0].date - dt.timedelta(days=1)),
            by_date.get(run[-1].date + dt.timedelta(days=1)),
        )
        return any(edge is not None and edge.provisional for edge in edges)

    return [Period(tuple(run), edges_provisional(run)) for run in runs]


@dataclass(frozen=True)
class DoorPoster:
    community: Community
    week: list[DayHours]  # Monday to Sunday of this week
    coming: list[Period]  # special days after this week (a block begun this week in full)
    more_coming: bool = False  # more special days than COMING_LINES

    @property
    def days(self) -> list[DayHours]:
        """Every day the poster names, for its provisional notice."""
        return self.week + [day for period in self.coming for day in period.days]


def door_poster(community: Community, today: dt.date) -> DoorPoster:
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    opening = OpeningHours([community], monday, today + dt.timedelta(days=COMING_DAYS))
    days = list(opening.days(community))
    coming = [period for period in special_periods(days) if period.last > sunday]
    return DoorPoster(
        community,
        week=days[:7],
        coming=coming[:COMING_LINES],
        more_coming=len(coming) > COMING_LINES,
    )
