"""When is each desk open? The one place that decides.

The answer for community C on date D, in order of precedence:

1. date overrides: the community's, else its street office's (a typhoon
   closure, special hours for an event), with the reason shown to residents;
2. the national calendar: a statutory holiday follows the street office's
   holiday rule (closed, or weekend hours), named. So does a weekend day inside
   a holiday block (a run of days off that contains a statutory holiday, like
   the Sunday of National Day week). A weekend day worked in exchange (调休上班日)
   follows the office's working-weekend rule (by default the usual weekday
   windows). Staff corrections (CalendarDay) win over the `holidays` library;
3. the weekly pattern: the community's own, else its street office's, else
   DEFAULT_WEEK.

A year whose official arrangement nobody knows yet (neither the library nor a
HolidayArrangement entered by staff) is *provisional*: only the statutory days
that the law fixes count as holidays (none of the library's guessed 补假 days),
and every answer for its dates says `provisional`.

Windows are local time (settings.TIME_ZONE) and half-open: a desk open 18:00–20:00
is open at 18:00:00 and closed at 20:00:00.
"""

import datetime as dt
import enum
import functools
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import NamedTuple, Protocol

import holidays
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from desks.models import (
    CalendarDay,
    Community,
    DateOverride,
    HolidayArrangement,
    HolidayRule,
    WeeklyWindow,
    WorkingWeekendRule,
)


@dataclass(frozen=True, order=True)
class Window:
    start: dt.time
    end: dt.time

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def as_json(self):
        return dict(self._json)

    @functools.cached_property
    def _json(self) -> dict:
        # A thousand communities share a handful of windows: each is formatted once.
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}

    def bounds(
        self, day: dt.date, zone: dt.tzinfo | None = None
    ) -> tuple[dt.datetime, dt.datetime]:
        """The window on `day` as aware datetimes in `zone` (default: the current time zone)."""
        zone = zone or timezone.get_current_timezone()
        return (
            dt.datetime.combine(day, self.start, tzinfo=zone),
            dt.datetime.combine(day, self.end, tzinfo=zone),
        )


class OfficeRules(NamedTuple):
    """A street office's rules that a community's hours follow."""

    holiday_rule: str
    working_weekend_rule: str


class Rules(Protocol):
    """A street office's rules that its communities' hours follow: a StreetOffice, or
    OfficeRules and `/`'s CardOffice read as values."""

    @property
    def holiday_rule(self) -> str: ...
    @property
    def working_weekend_rule(self) -> str: ...


class Place(Protocol):
    """What the hours need of a community: a Community, a Centre, or one of `/`'s cards
    (desks.views.public.Card) all answer it, so each page reads communities its own way."""

    @property
    def pk(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def street_office_id(self) -> int: ...
    @property
    def street_office(self) -> Rules: ...


class Centre(NamedTuple):
    """A community as its hours and the hours API need it, read without a model instance.

    It answers `pk`, `street_office_id` and `street_office` (the office's rules) like a
    Community does, so `OpeningHours` takes either. A thousand communities with their
    street offices cost ~25 ms as model instances and ~5 ms as values; as named tuples
    rather than frozen dataclasses, whose every field is set through
    `object.__setattr__`, a thousand are made in 0.3 ms instead of 3.
    """

    pk: int
    slug: str
    name: str
    street_office_id: int
    street_office: OfficeRules


def centres(communities: QuerySet[Community]) -> list[Centre]:
    """`communities` as Centres, in their order, in one query."""
    rules = {}
    found = []
    for pk, slug, name, office_id, holiday_rule, working_weekend_rule in communities.values_list(
        "pk",
        "slug",
        "name",
        "street_office_id",
        "street_office__holiday_rule",
        "street_office__working_weekend_rule",
    ):
        if (office := rules.get(office_id)) is None:
            office = rules[office_id] = OfficeRules(holiday_rule, working_weekend_rule)
        found.append(Centre(pk, slug, name, office_id, office))
    return found


def _week(weekday: list[Window], weekend: list[Window]) -> dict[int, tuple[Window, ...]]:
    return {day: tuple(weekday if day < 5 else weekend) for day in range(7)}


DEFAULT_WEEK = _week(
    weekday=[Window(dt.time(18), dt.time(20))],
    weekend=[Window(dt.time(8), dt.time(16))],
)
SATURDAY = 5


class DayKind(enum.StrEnum):
    REGULAR = "regular"
    HOLIDAY = "holiday"
    WORKING_WEEKEND = "working_weekend"
    OVERRIDE = "override"


@dataclass(frozen=True)
class DayHours:
    """A community's windows on one date, and why."""

    community: Place
    date: dt.date
    windows: tuple[Window, ...]
    kind: DayKind
    note: str = ""
    provisional: bool = False  # the year's official arrangement is not known yet

    @property
    def is_open(self) -> bool:
        """Whether the desk opens at all this day."""
        return bool(self.windows)

    @property
    def status(self) -> str:
        return "open" if self.windows else "closed"

    def window_at(self, moment: dt.datetime, zone: dt.tzinfo | None = None) -> Window | None:
        """The window that `moment` (aware) falls in, if any."""
        for window in self.windows:
            start, end = window.bounds(self.date, zone)
            if start <= moment < end:
                return window
        return None

    def next_window_after(
        self, moment: dt.datetime, zone: dt.tzinfo | None = None
    ) -> Window | None:
        """The first window of this day that opens after `moment`."""
        for window in self.windows:
            if window.bounds(self.date, zone)[0] > moment:
                return window
        return None

    @property
    def shape(self) -> tuple:
        """Every field but the community: days of many communities with one shape read alike."""
        *others, note = _DAY_SHAPE(self)
        return (*others, str(note))

    def as_json(self) -> dict:
        return {
            "slug": self.community.slug,
            "name": self.community.name,
            "date": self.date.isoformat(),
            "status": self.status,
            "windows": [window.as_json() for window in self.windows],
            "note": str(self.note),
            "provisional": self.provisional,
        }


# DayHours.shape's fields, read at C speed: `/` asks a hundred shapes a page.
_DAY_SHAPE = operator.attrgetter(
    *(name for name in (f.name for f in fields(DayHours)) if name not in ("community", "note")),
    "note",
)


@functools.lru_cache(maxsize=64)
def _statutory(year: int, language: str, official: bool = True) -> holidays.HolidayBase:
    """The library's calendar; for a year not yet official, only the days the law fixes."""
    return holidays.China(years=year, language=language, observed=official)


def _library_knows(year: int) -> bool:
    return year in _statutory(year, "zh_CN").special_public_holidays


def has_official_arrangement(year: int) -> bool:
    """Whether the State Council's arrangement for `year` is known, from the library or staff."""
    return _library_knows(year) or HolidayArrangement.objects.filter(year=year).exists()


def provisional_years(days: Iterable[DayHours]) -> list[int]:
    """The years of the shown `days` whose hours are provisional: what a page's notice names."""
    return sorted({day.date.year for day in days if day.provisional})


def years_missing_arrangement(today: dt.date, months: int = 3) -> list[int]:
    """Years within the coming `months` whose holiday arrangement nobody has loaded yet."""
    horizon = today + dt.timedelta(days=31 * months)
    return [
        year for year in range(today.year, horizon.year + 1) if not has_official_arrangement(year)
    ]


def _confirmed_years(first: dt.date, last: dt.date) -> list[int]:
    """Years in the range that staff confirmed; no query when the library knows them all."""
    unknown = [year for year in range(first.year, last.year + 1) if not _library_knows(year)]
    if not unknown:
        return []
    return list(HolidayArrangement.objects.filter(year__in=unknown).values_list("year", flat=True))


class Correction(NamedTuple):
    """A CalendarDay as the calendar reads it."""

    date: dt.date
    kind: str
    name: str


def _corrections(first: dt.date, last: dt.date) -> list[Correction]:
    """The staff's corrections (CalendarDay) dated `first`–`last`.

    Plain SQL: through the ORM, building and compiling this read and making its model
    instances took ~0.6 ms of CPU, for ~0.1 ms as SQL (`/` asks it on every cache miss).
    """
    quote = connection.ops.quote_name
    meta = CalendarDay._meta
    date, kind, name = (quote(meta.get_field(field).column) for field in Correction._fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {date}, {kind}, {name} FROM {quote(meta.db_table)}"
            f" WHERE {date} >= %s AND {date} <= %s",
            [connection.ops.adapt_datefield_value(day) for day in (first, last)],
        )
        return [Correction(*row) for row in cursor.fetchall()]


# A holiday block is at most nine days long (Spring Festival): looking this far
# either side of a weekend day finds its block's holiday.
BLOCK_REACH = 9


class NationalCalendar:
    """Statutory holidays and working weekends: the `holidays` library, corrected by staff."""

    def __init__(self, corrections: Iterable[Correction], confirmed_years: Iterable[int]):
        self.corrections = {day.date: day for day in corrections}
        self.confirmed_years = set(confirmed_years)
        self.language = "en_US" if translation.get_language() == "en" else "zh_CN"
        self._holiday_names: dict[dt.date, str | None] = {}

    def is_provisional(self, day: dt.date) -> bool:
        """Whether `day`'s hours may still change with its year's official arrangement.

        In a year whose arrangement is not known yet, every date is provisional but the
        statutory days off the law itself fixes (元旦, 春节 from 除夕, 国庆节's first
        three days…): those are days off whatever the notice will say.
        """
        if day.year in self.confirmed_years or _library_knows(day.year):
            return False
        return day in self.corrections or _statutory(day.year, "zh_CN", False).get(day) is None

    def _day_off_name(self, day: dt.date) -> str | None:
        """The name of a statutory day off (a holiday or a day swapped off), else None."""
        if correction := self.corrections.get(day):
            return correction.name if correction.kind == CalendarDay.Kind.HOLIDAY else None
        # Only a year the library knows takes its 补假 and swapped days; for a year staff
        # entered from the notice, those are corrections, and the library's guesses
        # must not add to them.
        library = _statutory(day.year, self.language, _library_knows(day.year))
        return library.get(day)

    def holiday_name(self, day: dt.date) -> str | None:
        # Asked once per community and day (a report asks 1,200 days), answered per day.
        if day not in self._holiday_names:
            self._holiday_names[day] = self._holiday_name(day)
        return self._holiday_names[day]

    def _holiday_name(self, day: dt.date) -> str | None:
        """If `day` is in a holiday block, the block's name, else None.

        A block is a run of days off (statutory holidays, days swapped off, and the
        weekend days between and beside them) that contains a statutory day off. Each
        day of it carries the block's name, the one most of its days have (春节 rather
        than 农历除夕 or 休息日（由 2026-02-14 调休）); a tie goes to the earliest.
        """
        own = self._day_off_name(day)
        if own is None and (day.weekday() < SATURDAY or self.is_working_weekend(day)):
            return None
        names = [(day, own)] if own else []
        for step in (-1, 1):
            other = day + dt.timedelta(days=step)
            while abs((other - day).days) <= BLOCK_REACH:
                if name := self._day_off_name(other):
                    names.append((other, name))
                elif other.weekday() < SATURDAY or self.is_working_weekend(other):
                    break
                other += dt.timedelta(days=step)
        counts = Counter(name for _day, name in sorted(names))
        return counts.most_common(1)[0][0] if counts else None

    def is_working_weekend(self, day: dt.date) -> bool:
        if day.weekday() < SATURDAY:
            return False
        if correction := self.corrections.get(day):
            return correction.kind == CalendarDay.Kind.WORKDAY
        return day in _statutory(day.year, "zh_CN").weekend_workdays

    def is_working_day(self, day: dt.date) -> bool:
        """A working day of the street office: Monday to Friday but statutory days off,
        and the weekend days worked in exchange (调休上班日). The desk's own opening days
        do not enter into it."""
        if day.weekday() >= SATURDAY:
            return self.is_working_weekend(day)
        return self._day_off_name(day) is None

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> "NationalCalendar":
        """The calendar for dates `first`–`last` (a block's reach either side), in two queries
        at most: the staff's corrections, and the years they confirmed."""
        reach = dt.timedelta(days=BLOCK_REACH)
        return cls(_corrections(first - reach, last + reach), _confirmed_years(first, last))

    def working_weekend_name(self, day: dt.date) -> str:
        if correction := self.corrections.get(day):
            return correction.name
        return str(_("Working weekend day (调休上班)"))


# Above this many communities, the windows and overrides of every owner are read
# rather than those of the communities named: a thousand ids in an IN list took
# PostgreSQL ~1.3 ms to plan (0.3 ms without), besides building and sending them, for
# the few rows of other owners they would leave out.
NAMED_OWNERS_MAX = 100


def _owners_rows(
    model: type[WeeklyWindow | DateOverride],
    fields: tuple[str, ...],
    owners: tuple[list[int], list[int]] | None,
    dates: tuple[dt.date, dt.date] | None = None,
) -> list[tuple]:
    """(community id, street office id, *fields) of `model`'s rows, ordered by start: those
    of the communities and offices `owners` names (community ids, office ids), or of every
    owner when it is None; only those dated `dates` (first, last) when given.

    Plain SQL: through the ORM, each of these two reads took ~0.75 ms of CPU to build and
    compile with fifty ids in its IN lists, for ~0.2 ms to run (benchmarks/RESULTS.md).
    """
    quote = connection.ops.quote_name
    meta = model._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    def among(name: str, ids: list[int]) -> str:
        """`name` is one of `ids`: PostgreSQL takes them as one array, the same statement
        for any number (prepared once, and 50 ids are not 50 values to bind); SQLite as
        an IN list."""
        if connection.vendor == "postgresql":
            params.append(ids)
            return f"{column(name)} = ANY(%s::bigint[])"
        params.extend(ids)
        return f"{column(name)} IN ({', '.join(['%s'] * len(ids))})"

    conditions, params = [], []
    if owners is not None:
        community_ids, office_ids = owners
        if not community_ids:
            return []  # nobody's rows: like the ORM, do not ask
        conditions.append(
            f"({among('community', community_ids)} OR {among('street_office', office_ids)})"
        )
    if dates is not None:
        conditions.append(f"{column('date')} >= %s AND {column('date')} <= %s")
        params += [connection.ops.adapt_datefield_value(date) for date in dates]
    columns = ", ".join(column(name) for name in ("community", "street_office", *fields))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(meta.db_table)}{where} ORDER BY {column('start')}",
            params,
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class CalendarFacts:
    """What the national calendar says of one date, the same for every community."""

    holiday: str | None
    working_weekend: str | None  # its name, on a weekend day worked in exchange
    provisional: bool


@dataclass(frozen=True)
class _Override:
    start: dt.time | None
    end: dt.time | None
    reason: str


class OpeningHours:
    """Hours of many communities over a range of dates, loaded in three queries.

    Pages that list every community ask one instance, so they cost the same
    number of queries however many communities there are. What is the same for
    many communities is worked out once: each owner's weekly pattern, and what
    the national calendar says of each date.
    """

    def __init__(self, communities: Iterable[Place], first: dt.date, last: dt.date):
        self.communities = list(communities)
        self.first, self.last = first, last
        if len(self.communities) > NAMED_OWNERS_MAX:
            owners = None
        else:
            owners = (
                sorted({community.pk for community in self.communities}),
                sorted({community.street_office_id for community in self.communities}),
            )

        windows = defaultdict(lambda: defaultdict(list))
        rows = _owners_rows(WeeklyWindow, ("weekday", "start", "end"), owners)
        for community_id, office_id, weekday, start, end in rows:
            owner = ("c", community_id) if community_id else ("o", office_id)
            windows[owner][weekday].append(Window(start, end))
        self.weeks = {
            owner: {day: tuple(pattern.get(day, ())) for day in range(7)}
            for owner, pattern in windows.items()
        }

        self.overrides = defaultdict(list)
        fields = ("date", "start", "end", "reason")
        for community_id, office_id, date, start, end, reason in _owners_rows(
            DateOverride, fields, owners, dates=(first, last)
        ):
            owner = ("c", community_id) if community_id else ("o", office_id)
            self.overrides[owner, date].append(_Override(start, end, reason))

        self.calendar = NationalCalendar.between(first, last)
        # Asked once: a thousand statuses would ask it a few thousand times.
        self.zone = timezone.get_current_timezone()
        self._facts: dict[dt.date, CalendarFacts] = {}

    def week_of(self, community: Place) -> dict[int, tuple[Window, ...]]:
        """The weekly pattern `community` follows: its own, its office's, or the default."""
        return (
            self.weeks.get(("c", community.pk))
            or self.weeks.get(("o", community.street_office_id))
            or DEFAULT_WEEK
        )

    def facts(self, day: dt.date) -> CalendarFacts:
        """What the national calendar says of `day`, worked out once per date."""
        if (facts := self._facts.get(day)) is None:
            calendar = self.calendar
            working_weekend = (
                calendar.working_weekend_name(day) if calendar.is_working_weekend(day) else None
            )
            facts = CalendarFacts(
                calendar.holiday_name(day), working_weekend, calendar.is_provisional(day)
            )
            self._facts[day] = facts
        return facts

    def day(self, community: Place, day: dt.date) -> DayHours:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the loaded range {self.first}–{self.last}")
        if self.overrides:
            for owner in (("c", community.pk), ("o", community.street_office_id)):
                if overrides := self.overrides.get((owner, day)):
                    windows = tuple(
                        Window(o.start, o.end) for o in overrides if o.start is not None
                    )
                    # Staff set these hours for this very date: they are not provisional.
                    reason = overrides[0].reason
                    return DayHours(community, day, windows, DayKind.OVERRIDE, reason)

        week = self.week_of(community)
        facts = self.facts(day)
        if facts.holiday:
            opens = community.street_office.holiday_rule == HolidayRule.WEEKEND_HOURS
            windows = week[SATURDAY] if opens else ()
            return DayHours(
                community, day, windows, DayKind.HOLIDAY, facts.holiday, facts.provisional
            )
        if facts.working_weekend:
            # On the usual hours a working weekend day is a weekday evening; the office's
            # rule is for centres with a weekly pattern of their own (or the office's).
            rule = (
                WorkingWeekendRule.WEEKDAY
                if week is DEFAULT_WEEK
                else community.street_office.working_weekend_rule
            )
            windows = {
                WorkingWeekendRule.WEEKDAY: usual_weekday(week),
                WorkingWeekendRule.WEEKEND: week[day.weekday()],
                WorkingWeekendRule.CLOSED: (),
            }[rule]
            return DayHours(
                community,
                day,
                windows,
                DayKind.WORKING_WEEKEND,
                facts.working_weekend,
                facts.provisional,
            )
        return DayHours(community, day, week[day.weekday()], DayKind.REGULAR, "", facts.provisional)

    def days_as_json(self, communities: Iterable[Place], day: dt.date) -> list[dict]:
        """`self.day(community, day).as_json()` of each of `communities`, in their order.

        A community with no weekly windows or date overrides of its own reads, on any
        date, like every other such community of its street office: its answer is worked
        out once per office and only its slug and name are its own. A thousand answers
        (/api/hours/) cost ~7 µs each one by one, most of it a DayHours and its JSON.
        """
        own = {pk for kind, pk in self.weeks if kind == "c"}
        own.update(pk for (kind, pk), _date in self.overrides if kind == "c")
        alike = {}
        answers = []
        for community in communities:
            if community.pk in own:
                answers.append(self.day(community, day).as_json())
                continue
            if (shared := alike.get(community.street_office_id)) is None:
                shared = self.day(community, day).as_json()
                del shared["slug"], shared["name"]
                alike[community.street_office_id] = shared
            answers.append({"slug": community.slug, "name": community.name, **shared})
        return answers

    def days(self, community: Place) -> Iterator[DayHours]:
        day = self.first
        while day <= self.last:
            yield self.day(community, day)
            day += dt.timedelta(days=1)

    def next_opening(self, community: Place, moment: dt.datetime) -> tuple[DayHours, Window] | None:
        """The next window that opens after `moment`, within the loaded range."""
        day = max(timezone.localdate(moment, self.zone), self.first)
        while day <= self.last:
            hours = self.day(community, day)
            if window := hours.next_window_after(moment, self.zone):
                return hours, window
            day += dt.timedelta(days=1)
        return None


def usual_weekday(week: dict[int, tuple[Window, ...]]) -> tuple[Window, ...]:
    """The windows most weekdays share; a working weekend day gets these.

    A community open one evening a week is usually closed on a weekday, so it
    stays closed on a working weekend day too.
    """
    counts = Counter(week[day] for day in range(SATURDAY))
    commonest = max(range(SATURDAY), key=lambda day: (counts[week[day]], -day))
    return week[commonest]


def working_days_after(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (NationalCalendar.is_working_day): a deadline
    "in N working days" of the street office, whatever days the desk itself opens."""
    # A year has no run of days off longer than a holiday block and its weekends.
    calendar = NationalCalendar.between(day, day + dt.timedelta(days=2 * count + 3 * BLOCK_REACH))
    while count:
        day += dt.timedelta(days=1)
        count -= calendar.is_working_day(day)
    return day


def open_windows(community: Community, day: dt.date) -> DayHours:
    """Community `community`'s windows on `day`, and why."""
    return OpeningHours([community], day, day).day(community, day)


def osm_opening_hours(week: dict[int, tuple[Window, ...]], holiday_rule: str) -> str:
    """The weekly pattern as an OpenStreetMap `opening_hours` value.

    e.g. "Mo-Fr 18:00-20:00; Sa,Su 08:00-16:00; PH off"
    """

    def spans(windows):
        return ",".join(f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows)

    names = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    runs: list[list[int]] = []
    for day in range(7):
        if runs and week[runs[-1][-1]] == week[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    rules = []
    for run in runs:
        if not week[run[0]]:
            continue
        if len(run) == 1:
            days = names[run[0]]
        elif len(run) == 2:
            days = f"{names[run[0]]},{names[run[1]]}"
        else:
            days = f"{names[run[0]]}-{names[run[-1]]}"
        rules.append(f"{days} {spans(week[run[0]])}")
    if holiday_rule == HolidayRule.WEEKEND_HOURS and week[SATURDAY]:
        rules.append(f"PH {spans(week[SATURDAY])}")
    else:
        rules.append("PH off")
    return "; ".join(rules)


@dataclass(frozen=True)
class Status:
    """What a resident wants to know about a desk at a moment."""

    day: DayHours
    open_window: Window | None  # open now, until its end
    next_opening: tuple[DayHours, Window] | None  # when it opens next, if not open now
    searched_until: dt.date  # the last day searched for `next_opening`
    zone: dt.tzinfo | None = field(default=None, compare=False, repr=False)  # of the windows

    @property
    def is_open_now(self) -> bool:
        return self.open_window is not None

    @property
    def days_searched(self) -> int:
        """How many days after this one were searched for the next opening."""
        return (self.searched_until - self.day.date).days

    @property
    def next_change(self) -> dt.datetime | None:
        """When this answer stops being true: the open window's end, else the next
        opening (None when no opening was found in the days searched)."""
        if self.open_window:
            return self.open_window.bounds(self.day.date, self.zone)[1]
        if self.next_opening:
            day, window = self.next_opening
            return window.bounds(day.date, self.zone)[0]
        return None

    @property
    def shape(self) -> tuple:
        """What this status says, whoever's it is: pages render each shape once."""
        following = self.next_opening and (self.next_opening[0].shape, self.next_opening[1])
        return (self.day.shape, self.open_window, following, self.searched_until)

    @property
    def opens_later_today(self) -> bool:
        return self.next_opening is not None and self.next_opening[0].date == self.day.date

    def state(self, is_today: bool) -> str:
        """How a page colours this status: on today's page "open" now, "later" (opens
        later today) or "closed" (all day, or after its last window: "closed for today");
        on another day's page "later" (opens that day) or "closed"."""
        if is_today:
            if self.is_open_now:
                return "open"
            return "later" if self.opens_later_today else "closed"
        return "later" if self.day.is_open else "closed"


def status_at(hours: OpeningHours, community: Place, moment: dt.datetime) -> Status:
    """Open now, opens later today, or closed today, with the next opening (if loaded)."""
    day = hours.day(community, timezone.localdate(moment, hours.zone))
    if window := day.window_at(moment, hours.zone):
        return Status(day, window, None, hours.last, hours.zone)
    return Status(day, None, hours.next_opening(community, moment), hours.last, hours.zone)


def status_as_json(status: Status) -> dict:
    """The day's hours as `DayHours.as_json`, plus the answer at the moment: `open_now`,
    and `next_change` (ISO 8601 with the local offset, or None when nothing was found
    in the days searched)."""
    next_change = status.next_change
    return {
        **status.day.as_json(),
        "open_now": status.is_open_now,
        "next_change": next_change.isoformat() if next_change else None,
    }
