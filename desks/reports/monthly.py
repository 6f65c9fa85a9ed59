"""Monthly figures for a street office or a community, this month against the one before.

Every figure is an aggregate computed by the database; a report costs the
same bounded number of queries however many communities and requests there
are. The page, the CSV and the XLSX all render the same `Table`s, so what is
exported is exactly what is on screen.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field
from html import escape

from django.db import connection
from django.db.models import (
    Count,
    Q,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from desks.core.compiled import CompiledQuery
from desks.core.dates import Month
from desks.core.scope import Scope
from desks.models import (
    Channel,
    CompLeave,
    FollowUp,
    Outcome,
    ServiceItem,
    SlotKind,
    User,
)
from desks.models.reports import REPEAT_WINDOW
from desks.reports import rollup
from desks.reports.medians import TIME_TO_CLOSE, PercentileCont, median_days_to_close
from desks.reports.queue_tables import QueueTables
from desks.reports.voice_tables import ResidentsVoiceTables

# The report's grouped tables, by what they count requests per (category comes from item):
# attributes of rollup.Totals.
GROUPINGS = ("community", "item", "outcome", "channel", "worker")
WORKER_FIELDS = ("username", "last_name", "first_name")
# The street office's comp ratio for each kind of slot, as read from a worker (User).
COMP_RATIOS = {
    SlotKind.EVENING: "community__street_office__comp_ratio_evening",
    SlotKind.WEEKEND: "community__street_office__comp_ratio_weekend",
}


def registrations_unit() -> str:
    return _("Counts registrations (登记): one per logged matter, however many people came.")


def _worker_label(entry: dict, prefix: str) -> str:
    """王丽 (heping-1): the name people know, and the username that tells namesakes apart."""
    name = f"{entry[prefix + 'last_name']}{entry[prefix + 'first_name']}"
    return f"{name} ({entry[prefix + 'username']})"


# Which way a figure should move for the month to count as better (Row.better).
UP, DOWN = "up", "down"

# Figures that are not whole numbers (rates, hours, ratios, days) are shown and
# exported with this many decimals: enough for people, and no float noise.
DECIMALS = 1


def rounded(value):
    """`value` as people read it: a whole number stays whole, anything else has DECIMALS."""
    return value if isinstance(value, int) else round(value, DECIMALS)


@dataclass
class Row:
    label: str
    current: float = 0
    previous: float = 0
    better: str | None = None  # UP, DOWN, or None when a change is neither good nor bad
    definition: str = ""  # how the figure is counted, shown beside it (docs/reports.md)

    @property
    def change(self):
        return rounded(self.current - self.previous)

    @property
    def trend(self) -> str:
        """How this month compares with the last, for the reader: "better", "worse",
        "unchanged", or "changed" when the figure has no good direction."""
        if not self.change:
            return "unchanged"
        if self.better is None:
            return "changed"
        return "better" if (self.change > 0) == (self.better == UP) else "worse"


def number_text(value, decimal_separator: str) -> str:
    """What a template prints for a report figure (`{{ value }}`: a whole number, or one
    rounded to DECIMALS), without Django's settings lookups for each number."""
    return str(value) if isinstance(value, int) else str(value).replace(".", decimal_separator)


def shown_figures(row: Row, decimal_separator: str, words: dict[str, str]) -> SafeString:
    """A row's figure cells as the page prints them: this month, last month, and the change
    (coloured by `Row.trend`, with an arrow and `words[trend]`, already escaped). Made once
    in Python: the report has hundreds of rows, and templates formatting each figure and
    deciding each arrow were a third of the page's time (benchmarks/RESULTS.md). Only
    numbers, the trend's own name and the escaped words go in, so nothing needs escaping
    here (format_html, escaping each, was itself a tenth of the page; so was mark_safe's
    check for lazy text, hence SafeString)."""
    change = row.change
    trend = row.trend
    arrow = "▲" if change > 0 else "▼" if change < 0 else ""
    # As floatformat:"-1": a whole change without its ".0".
    change_text = (
        str(int(change)) if change == int(change) else number_text(change, decimal_separator)
    )
    sign = "+" if change > 0 else ""
    arrow_html = f' <span aria-hidden="true">{arrow}</span>' if arrow else ""
    word = words.get(trend)
    word_html = f' <span class="trend-word">{word}</span>' if word else ""
    return SafeString(
        f'<td class="num">{number_text(row.current, decimal_separator)}</td>'
        f'<td class="num">{number_text(row.previous, decimal_separator)}</td>'
        f'<td class="num change trend-{trend}">'
        f"{sign}{change_text}{arrow_html}{word_html}</td>"
    )


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    label_heading: str = ""
    unit: str = ""  # what the table counts: registrations (登记), people (人次), hours…

    @property
    def has_definitions(self) -> bool:
        return any(row.definition for row in self.rows)

    def shown_rows(self) -> list[tuple[Row, str]]:
        """(row, its figure cells as printed: `shown_figures`) for the page."""
        separator = get_format("DECIMAL_SEPARATOR")
        words = {
            "better": escape(pgettext("change against last month", "better")),
            "worse": escape(pgettext("change against last month", "worse")),
        }
        return [(row, shown_figures(row, separator, words)) for row in self.rows]

    def shown_body(self) -> SafeString:
        """The table's rows as the page prints them, each label escaped and followed by
        the "?" leading to its definition (templates/admin/reports/definitions.html):
        made in one go, as a template loop over ~640 rows cost more than the rows."""
        mark = escape(_("Definition"))
        rows = []
        for number, (row, figures) in enumerate(self.shown_rows(), start=1):
            label = escape(str(row.label))
            if row.definition:
                label += (
                    f' <a class="definition-mark" href="#def-{self.key}-{number}" '
                    f'title="{escape(str(row.definition))}" aria-label="{mark}: {label}">?</a>'
                )
            rows.append(f'<tr><th scope="row">{label}</th>{figures}</tr>')
        return SafeString("\n".join(rows))

    def total(self) -> Row:
        return Row(
            _("Total"), sum(r.current for r in self.rows), sum(r.previous for r in self.rows)
        )


class MonthlyReport(ResidentsVoiceTables, QueueTables):
    def __init__(self, scope: Scope, month: Month, now: dt.datetime | None = None):
        self.scope = scope
        self.month = month
        # A slot is held once it has ended: this month's later slots are not, yet.
        self.now = now or timezone.now()
        # The communities (with their street office, for their hours) in one query: the
        # ids scope every query, the names label the communities table (in name order,
        # for the ones with nothing logged).
        self.communities = list(scope.communities.order_by("name"))
        self.community_names = {community.pk: community.name for community in self.communities}
        self.community_ids = list(self.community_names)

    @functools.cached_property
    def _by_community(self) -> dict[Month, dict[int, dict]]:
        """Both months' figures per community (desks.reports.rollup): a month that has
        ended is read as kept, the month in progress counted in one scan of each table."""
        return rollup.figures(self.communities, [self.month, self.month.previous], self.now)

    @functools.cached_property
    def _totals(self) -> dict[str, rollup.Totals]:
        """Both months' figures added up for the scope, "current" and "previous"."""
        found = self._by_community
        return {
            "current": rollup.Totals.of(found[self.month]),
            "previous": rollup.Totals.of(found[self.month.previous]),
        }

    @staticmethod
    def per_month(field: str, since, split, until, **figures) -> dict:
        """Each figure twice, as `<name>_current` and `<name>_previous`, in one aggregate.

        `figures` maps a name to (aggregate class, expression, extra filter or None);
        `field` places a row in a month: last month is [since, split), this one
        [split, until) (datetimes, or dates for a date field: the months' first days).
        """
        months = {
            "current": Q(**{f"{field}__gte": split, f"{field}__lt": until}),
            "previous": Q(**{f"{field}__gte": since, f"{field}__lt": split}),
        }
        aggregates = {}
        for name, (aggregate, expression, condition) in figures.items():
            for month, in_month in months.items():
                where = in_month & condition if condition is not None else in_month
                aggregates[f"{name}_{month}"] = aggregate(expression, filter=where)
        return aggregates

    # Tables

    def tables(self) -> list[Table]:
        return [
            self.summary(),
            self.by_community(),
            self.by_category(),
            self.by_item(),
            self.by_outcome(),
            self.by_channel(),
            self.by_worker(),
            self.comp_time_accrued(),
            self.comp_time_taken(),
        ]

    def summary(self) -> Table:
        current, previous = self._figures("current"), self._figures("previous")
        rows = [
            Row(label, value, previous_value, better, definition)
            for (label, value, better, definition), (_, previous_value, _, _) in zip(
                current, previous, strict=True
            )
        ]
        return Table(
            "summary",
            _("Summary"),
            rows,
            _("Figure"),
            _("Each figure says what it counts: registrations (登记), people (人次) or slots."),
        )

    @functools.cached_property
    def _counts(self) -> dict:
        """Every count of the summary, for both months: the requests' and the slots' from
        `_totals`, the follow-ups' from one query."""
        counts = {
            f"{name}_{key}": totals.counts[name]
            for key, totals in self._totals.items()
            for name in rollup.COUNTS
        }
        for key, totals in self._totals.items():
            slots = totals.slots
            counts |= {
                f"planned_{key}": slots["planned"],
                f"planned_length_{key}": slots["planned_seconds"] / 3600,
                f"held_{key}": slots["held"],
                f"held_length_{key}": slots["held_seconds"] / 3600,
                f"staffed_{key}": slots["staffed"],
            }
        (since, split), until = self.month.previous.bounds(), self.month.bounds()[1]
        found = _FOLLOW_UP_COUNTS.rows(
            community_ids=self.community_ids,
            since=since,
            split=split,
            until=until,
            split_day=timezone.localdate(split),
            until_day=timezone.localdate(until),
        )
        # One row, grouped by a constant; none when there is no community to count (the ORM
        # answers an empty `__in` without asking): every count is then 0.
        counts |= (
            found[0]
            if found
            else {
                f"{count}_{key}": 0
                for count in ("opened", "closed", "overdue")
                for key in ("current", "previous")
            }
        )  # the medians are left out, as on SQLite
        return counts

    def _figures(self, key: str) -> list[tuple[str, float, str | None, str]]:
        """(label, value, which way is better, definition) of each summary figure. Better:
        more residents served in the extended hours, follow-ups closed in time, residents
        needing one trip (fewer repeat visits); the rota's size is neither."""
        month = self.month if key == "current" else self.month.previous
        start, end = month.bounds()
        counts = self._counts
        figure = lambda name: counts[f"{name}_{key}"] or 0  # noqa: E731
        held_hours = counts[f"held_length_{key}"]
        if f"median_{key}" in counts:
            median = counts[f"median_{key}"]
            median_days = round(median.total_seconds() / 86400, 1) if median else 0
        else:
            follow_ups = FollowUp.objects.of_alive_requests().filter(
                community_id__in=self.community_ids
            )
            median_days = median_days_to_close(
                follow_ups.filter(closed_at__gte=start, closed_at__lt=end)
            )
        repeats = figure("repeats") / figure("with_resident") if figure("with_resident") else 0
        return [
            (
                _("Requests"),
                figure("total"),
                UP,
                _("Registrations (登记) logged in the month, deleted ones left out."),
            ),
            (
                _("People served"),
                figure("people"),
                UP,
                _("People (人次): each registration counts the people who came for it."),
            ),
            (
                _("In extended hours"),
                figure("extended"),
                UP,
                _("Registrations logged during a slot."),
            ),
            (
                _("In regular hours"),
                figure("regular"),
                None,
                _("Registrations logged outside slots."),
            ),
            (
                _("Slots planned"),
                figure("planned"),
                None,
                _("Slots in the rota that were not cancelled."),
            ),
            (
                _("Slots held"),
                figure("held"),
                None,
                _(
                    "Planned slots that took place: ended, on a day the opening hours say "
                    "open. A slot left on a day that closed does not count."
                ),
            ),
            (
                _("Slots staffed"),
                figure("staffed"),
                None,
                _("Held slots with a worker who checked in or was confirmed by the head."),
            ),
            (_("Slot hours planned"), rounded(figure("planned_length")), None, ""),
            (_("Slot hours held"), rounded(held_hours), None, _("The length of the held slots.")),
            (
                _("Requests per held slot hour"),
                rounded(figure("extended") / held_hours) if held_hours else 0,
                UP,
                _("Registrations in extended hours ÷ slot hours held."),
            ),
            (_("Follow-ups opened"), figure("opened"), None, ""),
            (_("Follow-ups closed"), figure("closed"), UP, ""),
            (
                _("Follow-ups overdue at month end"),
                figure("overdue"),
                DOWN,
                _("Open at the month's end, past their due date."),
            ),
            (
                _("Median days to close a follow-up"),
                rounded(median_days),
                DOWN,
                _("Of the follow-ups closed in the month: half took less, half took more."),
            ),
            (
                _("Repeat visits within %(days)d days, percent") % {"days": REPEAT_WINDOW.days},
                rounded(100 * repeats),
                DOWN,
                _(
                    "Registrations of a known resident who came for the same service item "
                    "in the %(days)d days before, among registrations of known residents."
                )
                % {"days": REPEAT_WINDOW.days},
            ),
        ]

    @functools.cached_property
    def _request_groups(self) -> dict[str, list[tuple[object, int, int]]]:
        """Both months' requests counted by each of GROUPINGS: (value, this month, last)."""
        current, previous = self._totals["current"], self._totals["previous"]
        groups = {}
        for grouping in GROUPINGS:
            now, before = getattr(current, grouping), getattr(previous, grouping)
            groups[grouping] = [
                (value, _requests(now.get(value, 0)), _requests(before.get(value, 0)))
                for value in {**now, **before}
            ]
        return groups

    @functools.cached_property
    def _item_names(self) -> dict[int, tuple[str, str]]:
        """Service item id → (category name, item name), for the items of either month's
        requests, booked waits and queue tickets."""
        ids = {pk for pk, _, _ in self._request_groups["item"]}
        for totals in self._totals.values():
            ids |= {item for _window, item, _minutes in totals.booking_waits}
            ids |= {item for _window, item, _not_called, _minutes in totals.queue}
        return {pk: (category, name) for pk, category, name in _ITEM_NAMES.rows(ids=list(ids))}

    @functools.cached_property
    def _workers(self) -> dict[int, dict]:
        """User id → its username, names and its street office's comp ratios, for the
        workers who logged requests or served duty in either month."""
        ids = {pk for pk, _, _ in self._request_groups["worker"]}
        for totals in self._totals.values():
            ids |= set(totals.comp)
        return {user["pk"]: user for user in _WORKERS.rows(ids=list(ids))}

    @functools.cached_property
    def _worker_labels(self) -> dict[int, str]:
        """User id → 王丽 (heping-1)."""
        return {pk: _worker_label(user, "") for pk, user in self._workers.items()}

    def _grouped(self, key, title, heading, grouping, label) -> Table:
        """Requests of both months by `grouping`, named by `label(value)`, busiest first."""
        rows = roll_up(self._request_groups[grouping], label)
        ordered = sorted(rows, key=lambda row: (-row.current, -row.previous, row.label))
        return Table(key, title, ordered, heading, registrations_unit())

    def by_community(self) -> Table:
        table = self._grouped(
            "community",
            _("Requests by community"),
            _("Community"),
            "community",
            lambda pk: self.community_names[pk],
        )
        # Communities with nothing logged still appear, with zeros.
        present = {row.label for row in table.rows}
        for name in self.community_names.values():
            if name not in present:
                table.rows.append(Row(name))
        return table

    def by_category(self) -> Table:
        return self._grouped(
            "category",
            _("Requests by service category"),
            _("Category"),
            "item",
            lambda pk: self._item_names[pk][0],
        )

    def by_item(self) -> Table:
        return self._grouped(
            "item",
            _("Requests by service item"),
            _("Service item"),
            "item",
            lambda pk: " · ".join(self._item_names[pk]),
        )

    def by_outcome(self) -> Table:
        return self._grouped(
            "outcome",
            _("Requests by outcome"),
            _("Outcome"),
            "outcome",
            lambda value: str(Outcome(value).label),
        )

    def by_channel(self) -> Table:
        return self._grouped(
            "channel",
            _("Requests by channel"),
            _("Channel"),
            "channel",
            lambda value: str(Channel(value).label),
        )

    def by_worker(self) -> Table:
        return self._grouped(
            "worker",
            _("Requests by worker"),
            _("Worker"),
            "worker",
            lambda pk: self._worker_labels[pk],
        )

    def comp_time_accrued(self) -> Table:
        """Comp hours earned by duty served in the month: slot hours × the ratio of the
        worker's own street office, as in desks.rota.comp_time (a lent worker earns at home)."""
        rows: dict[str, Row] = {}
        for attribute, totals in self._totals.items():
            for pk, seconds in totals.comp.items():
                worker = self._workers[pk]
                name = self._worker_labels[pk]
                row = rows.setdefault(name, Row(name))
                for kind, served in zip(rollup.COMP_KINDS, seconds, strict=True):
                    if served:
                        hours = served / 3600 * float(worker[COMP_RATIOS[kind]])
                        setattr(row, attribute, round(getattr(row, attribute) + hours, 1))
        return Table(
            "comp-accrued",
            _("Comp time accrued (hours)"),
            sorted(rows.values(), key=lambda row: (-row.current, row.label)),
            _("Worker"),
            _("Hours of comp time: served slot hours × the street office's ratio."),
        )

    def comp_time_taken(self) -> Table:
        """Approved comp leave falling in the month, in hours."""
        taken = _COMP_LEAVE_TAKEN.rows(
            community_ids=self.community_ids,
            since=self.month.previous.first_day,
            split=self.month.first_day,
            until=self.month.next.first_day,
        )
        rows = []
        for group in taken:
            row = Row(_worker_label(group, "worker__"))
            for attribute in ("current", "previous"):
                if (hours := group[f"hours_{attribute}"]) is not None:
                    setattr(row, attribute, float(hours))
            rows.append(row)
        return Table(
            "comp-taken",
            _("Comp leave taken (hours)"),
            sorted(rows, key=lambda row: (-row.current, row.label)),
            _("Worker"),
            _("Hours of approved comp leave on days of the month."),
        )

    def heat_map(self) -> list[list[int]]:
        """Requests this month by hour of day (rows 0–23) and ISO weekday (columns Mon–Sun)."""
        grid = [[0] * 7 for _ in range(24)]
        for (hour, weekday), n in self._totals["current"].heat.items():
            grid[hour][weekday] += n
        return grid

    def daily(self) -> list[tuple[dt.date, int]]:
        """Requests per day of this month, every day present (zeros included)."""
        days = (self.month.last_day - self.month.first_day).days + 1
        counts = self._totals["current"].daily or [0] * days
        first = self.month.first_day
        return [(first + dt.timedelta(days=n), counts[n]) for n in range(days)]


def _requests(figure) -> int:
    """The number of requests in a group's figure: a count, or the Rates fields' first."""
    return figure[0] if isinstance(figure, list) else figure


def roll_up(counts: list[tuple[object, int, int]], label) -> list[Row]:
    """Rows adding up (value, this month, last month) per `label(value)`: several values
    may share a name (the items of one category make one category row)."""
    rows: dict[str, Row] = {}
    for value, current, previous in counts:
        name = label(value)
        row = rows.setdefault(name, Row(name))
        row.current += current
        row.previous += previous
    return list(rows.values())


# The report's queries, their SQL built once per process (desks.core.compiled): each is
# the queryset it was, given the month's bounds as values rather than computing them.


def _follow_up_counts(community_ids, since, split, until, split_day, until_day):
    """The summary's follow-up counts for both months in one scan: last month is
    [since, split), this one [split, until); `*_day` are the local days of split and
    until (overdue: due on an earlier day)."""
    counts = {}
    months = (("current", split, until, until_day), ("previous", since, split, split_day))
    for key, start, end, end_day in months:
        counts |= {
            f"opened_{key}": Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
            f"closed_{key}": Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
            f"overdue_{key}": Count("pk", filter=FollowUp.overdue_condition(end, end_day)),
        }
        if connection.vendor == "postgresql":
            # The medians ride along in the same scan (percentile_cont … FILTER).
            counts[f"median_{key}"] = PercentileCont(
                TIME_TO_CLOSE, filter=Q(closed_at__gte=start, closed_at__lt=end)
            )
    # Only follow-ups alive at some point of the two months can count: the time
    # bounds spare the database every follow-up closed before them.
    alive = Q(created_at__lt=until) & (Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    # By the follow-up's own community (FollowUp.community says why); the join to
    # the request only drops those of deleted requests, a key lookup for each.
    # Grouped by a constant, which groups nothing: one row, as aggregate() gives.
    return (
        FollowUp.objects.of_alive_requests()
        .filter(alive, community_id__in=community_ids)
        .order_by()
        .values(whole=Value(1))
        .annotate(**counts)
        .values(*counts)
    )


_FOLLOW_UP_COUNTS = CompiledQuery(
    _follow_up_counts,
    community_ids=list[int],
    since=dt.datetime,
    split=dt.datetime,
    until=dt.datetime,
    split_day=dt.date,
    until_day=dt.date,
)
_ITEM_NAMES = CompiledQuery(
    lambda ids: ServiceItem.objects.filter(pk__in=ids).values_list("pk", "category__name", "name"),
    ids=list[int],
)
_WORKERS = CompiledQuery(
    lambda ids: User.objects.filter(pk__in=ids).values("pk", *WORKER_FIELDS, *COMP_RATIOS.values()),
    ids=list[int],
)
# Approved comp leave per worker on days of both months: last month's days [since, split),
# this month's [split, until).
_COMP_LEAVE_TAKEN = CompiledQuery(
    lambda community_ids, since, split, until: (
        CompLeave.objects.filter(
            worker__community_id__in=community_ids,
            status=CompLeave.Status.APPROVED,
            date__gte=since,
            date__lt=until,
        )
        .values(*(f"worker__{name}" for name in WORKER_FIELDS))
        .annotate(
            **MonthlyReport.per_month("date", since, split, until, hours=(Sum, "hours", None))
        )
        .order_by()
    ),
    community_ids=list[int],
    since=dt.date,
    split=dt.date,
    until=dt.date,
)
