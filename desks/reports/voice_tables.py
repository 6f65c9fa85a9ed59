"""The report's tables of residents' voice: ratings (好差评) and the evening menu vote (点单)."""

import collections
import datetime as dt
import functools
from dataclasses import dataclass, field, fields
from html import escape
from operator import attrgetter

from django.db.models import Count, OuterRef, Subquery
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from desks.core.compiled import CompiledQuery
from desks.models import (
    Outcome,
    Vote,
    VotingRound,
)
from desks.voice.feedback import CALL_BACK_WORKING_DAYS

# Resolved without more work: the matter was answered or done at the desk.
RESOLVED_AT_THE_DESK = (Outcome.ANSWERED, Outcome.DONE)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(slots=True)
class Rates:
    """Counts behind the rates of one group of requests in one month. Not changed once
    made (not frozen: a frozen dataclass took 4 µs to make, and the page makes ~900)."""

    requests: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    call_backs: int = 0
    call_backs_closed: int = 0
    call_backs_on_time: int = 0

    @property
    def rated_share(self) -> float | None:
        """Rated requests among all requests (%)."""
        return _percent(self.rated, self.requests)

    @property
    def resolved_share(self) -> float | None:
        """Answered or done on the spot, or accepted/referred with the follow-up closed,
        among all requests (%)."""
        return _percent(self.resolved, self.requests)

    @property
    def satisfied_share(self) -> float | None:
        """满意 or better among rated requests (%)."""
        return _percent(self.satisfied, self.rated)

    @property
    def call_back_completion(self) -> float | None:
        """Call-backs closed among call-backs opened (%)."""
        return _percent(self.call_backs_closed, self.call_backs)

    @property
    def response_share(self) -> float | None:
        """Call-backs closed by their due date among call-backs opened (%)."""
        return _percent(self.call_backs_on_time, self.call_backs)

    @staticmethod
    def sum(many: list["Rates"]) -> "Rates":
        """Each count added up over `many` (a table's total: one pass, not a Rates a row)."""
        return Rates(*map(sum, zip(*map(_counts_of, many), strict=True)))


COUNT_NAMES = tuple(count.name for count in fields(Rates))
_counts_of = attrgetter(*COUNT_NAMES)
# The Rates properties the rate tables show, in the order of rate_columns().
RATE_NAMES = (
    "rated_share",
    "satisfied_share",
    "resolved_share",
    "response_share",
    "call_back_completion",
)


def rate_columns() -> list[tuple[str, str, str]]:
    """(Rates attribute, heading, definition) of each column of the rate tables, in order:
    the page and the exports both read them (docs/reports.md cites the rules)."""
    texts = [
        (
            _("Rated (percent)"),
            _("Rated rate (评价率): rated registrations among all registrations."),
        ),
        (
            _("Satisfied (percent)"),
            _("Satisfied rate (满意率): ratings of 满意 or 非常满意 among rated registrations."),
        ),
        (
            _("Resolved (percent)"),
            _(
                "Resolved rate (解决率): registrations answered or done on the spot, or "
                "accepted or referred with their follow-up closed, among all registrations."
            ),
        ),
        (
            _("Responded on time (percent)"),
            _(
                "Response rate (响应率): poor ratings (不满意, 非常不满意) whose call-back was "
                "closed by its due date, %(days)d working days of the street office after the "
                "rating, among poor ratings."
            )
            % {"days": CALL_BACK_WORKING_DAYS},
        ),
        (
            _("Call-backs completed (percent)"),
            _(
                "Rectification rate (整改率): poor ratings whose call-back is closed, "
                "among poor ratings."
            ),
        ),
    ]
    return [(name, *pair) for name, pair in zip(RATE_NAMES, texts, strict=True)]


@dataclass
class RateRow:
    label: str
    current: Rates = field(default_factory=Rates)
    previous: Rates = field(default_factory=Rates)

    def cells(self) -> list[tuple[float | None, float | None]]:
        """(this month, last month) for each of rate_columns()."""
        return [(getattr(self.current, name), getattr(self.previous, name)) for name in RATE_NAMES]

    def shown_cells(self, separator: str | None = None) -> SafeString:
        """The row's figure cells as the page prints them ("—" for a rate with nothing to
        divide by), made in one go: a rate table has hundreds of cells, and a template
        loop over them cost more than the rest of the table. Numbers only: nothing to
        escape. `separator`: the decimal separator, looked up once per table."""
        if separator is None:
            separator = get_format("DECIMAL_SEPARATOR")  # as `{{ value }}` prints a rate
        current, previous = self.current, self.previous
        return SafeString(
            "".join(
                f'\n  <td class="num">{_rate_text(getattr(current, name), separator)}</td>'
                f'<td class="num">{_rate_text(getattr(previous, name), separator)}</td>'
                for name in RATE_NAMES
            )
        )


def _rate_text(value: float | None, separator: str) -> str:
    return "—" if value is None else str(value).replace(".", separator)


@dataclass
class RateTable:
    key: str
    title: str
    label_heading: str
    rows: list[RateRow]

    @functools.cached_property
    def columns(self) -> list[tuple[str, str, str]]:
        return rate_columns()

    @property
    def unit(self) -> str:
        return _("Percentages of registrations (登记) and of their ratings and call-backs.")

    def total(self) -> RateRow:
        if self._total is None:  # the page asks once per cell
            self._total = RateRow(
                _("Total"),
                Rates.sum([row.current for row in self.rows]),
                Rates.sum([row.previous for row in self.rows]),
            )
        return self._total

    _total: RateRow | None = field(default=None, init=False, repr=False, compare=False)

    def shown_body(self) -> SafeString:
        """The rows as the page prints them (labels escaped, `RateRow.shown_cells`), in one
        go: a template loop over the worker table's rows cost more than the cells."""
        separator = get_format("DECIMAL_SEPARATOR")
        return SafeString("\n".join(_shown_row(row, separator) for row in self.rows))

    def shown_total(self) -> SafeString:
        return _shown_row(self.total(), get_format("DECIMAL_SEPARATOR"))


def _shown_row(row: RateRow, separator: str) -> SafeString:
    label = escape(str(row.label))
    return SafeString(f'<tr><th scope="row">{label}</th>{row.shown_cells(separator)}</tr>')


@dataclass
class VoteRow:
    label: str
    votes: int
    requests: int


@dataclass
class ClosedRound:
    """A voting round as the votes table names it."""

    pk: int
    community_id: int
    community_name: str
    title: str


@dataclass
class VoteTable:
    rounds: list[ClosedRound]
    rows: list[VoteRow]
    unmapped_wishes: int = 0


class ResidentsVoiceTables:
    """MonthlyReport's voice tables; they use its `month`, `_by_community`, `_totals` and
    labels."""

    def rate_tables(self) -> list["RateTable"]:
        """The four rates per community, worker and service item: this month against last,
        from the report's request figures (no query of their own)."""
        return [
            self._rates(
                "rates-community",
                _("Ratings by community"),
                _("Community"),
                "community",
                lambda pk: self.community_names[pk],
            ),
            self._rates(
                "rates-worker",
                _("Ratings by worker"),
                _("Worker"),
                "worker",
                lambda pk: self._worker_labels[pk],
            ),
            self._rates(
                "rates-item",
                _("Ratings by service item"),
                _("Service item"),
                "item",
                lambda pk: self._item_names[pk][1],
            ),
        ]

    def _rates(self, key, title, heading, grouping, label) -> "RateTable":
        """Both months' rate counts by `grouping` (desks.reports.rollup), named by
        `label(id)`; groups that share a name make one row."""
        # Counts added up per name first (most names have one id), made into Rates once
        # per row.
        sums: dict[str, list[list[int] | None]] = {}
        for index, month in enumerate(("current", "previous")):
            for pk, counts in getattr(self._totals[month], grouping).items():
                name = label(pk)
                both = sums.get(name)
                if both is None:
                    both = sums[name] = [None, None]
                kept = both[index]
                both[index] = (
                    counts if kept is None else [a + b for a, b in zip(kept, counts, strict=True)]
                )
        rows = [
            RateRow(
                name,
                Rates() if current is None else Rates(*current),
                Rates() if previous is None else Rates(*previous),
            )
            for name, (current, previous) in sums.items()
        ]
        ordered = sorted(rows, key=lambda row: (-row.current.requests, row.label))
        return RateTable(key, title, heading, ordered)

    def votes_against_requests(self) -> "VoteTable":
        """Each community's latest round closed by the end of this month: votes per item,
        against what residents of those communities asked for at the desk this month."""
        rounds = [
            ClosedRound(*row)
            for row in _LATEST_ROUNDS.rows(
                community_ids=self.community_ids, end=self.month.bounds()[1]
            )
        ]
        # Wishes not mapped to an item yet come in the same query, under no name.
        voted = (
            dict(_VOTES_PER_ITEM.rows(round_ids=[voting.pk for voting in rounds])) if rounds else {}
        )
        unmapped = voted.pop(None, 0)
        # What those communities asked for: the month's request figures (no query).
        requested = collections.Counter()
        this_month = self._by_community[self.month]
        for voting in rounds:
            for item, rates in this_month[voting.community_id]["item"].items():
                requested[self._item_names[int(item)][1]] += rates[0]
        rows = [
            VoteRow(name, voted.get(name, 0), requested.get(name, 0))
            for name in {*voted, *requested}
        ]
        rows.sort(key=lambda row: (-row.votes, -row.requests, row.label))
        return VoteTable(
            rounds=rounds,
            rows=rows,
            unmapped_wishes=unmapped,
        )


def _latest_rounds(community_ids, end):
    """Each community's latest voting round closed by `end`, by community name."""
    latest = (
        VotingRound.objects.filter(community=OuterRef("community"), closes_at__lte=end)
        .order_by("-closes_at")
        .values("pk")[:1]
    )
    return (
        VotingRound.objects.filter(community_id__in=community_ids)
        .filter(pk=Subquery(latest))
        .order_by("community__name")
        .values_list("pk", "community_id", "community__name", "title")
    )


# Their SQL built once per process (desks.core.compiled).
_LATEST_ROUNDS = CompiledQuery(_latest_rounds, community_ids=list[int], end=dt.datetime)
_VOTES_PER_ITEM = CompiledQuery(
    lambda round_ids: (
        Vote.objects.filter(round__in=round_ids)
        .values("service_item__name")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("service_item__name", "n")
    ),
    round_ids=list[int],
)
