"""Days and months in local time (settings.TIME_ZONE): their bounds, and reading them from URLs.

Every "today", "this month" and "from midnight to midnight" in the app is computed here.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

# Far enough for any real question, near enough that the holiday library can answer.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# 2026-11-24T19:30, seconds optional, maybe with an offset (checked to be local time).
# A "+" left unencoded in a query string arrives as a space: " 08:00" is "+08:00".
ISO_MOMENT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2})?)"
    r"(?P<offset>Z|[+ -][0-9]{2}:[0-9]{2})?"
)
NOW = "now"


class BadDate(ValueError):
    pass


def parse_day(value: str | None, default: dt.date) -> dt.date:
    """`value` as a date (YYYY-MM-DD), `default` when absent; BadDate with a message otherwise."""
    if value is None or value == "":
        return default
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadDate(
            _("“%(value)s” is not a date: use YYYY-MM-DD, e.g. 2026-11-24.")
            % {"value": _shown(value)}
        ) from None
    _check_range(day)
    return day


def parse_moment(value: str, now: dt.datetime) -> dt.datetime:
    """`value` as an aware moment in local time: YYYY-MM-DDTHH:MM[:SS], or "now" for `now`.

    The time is the centres' wall clock (settings.TIME_ZONE). An offset is accepted
    only when it is the local one (+08:00), so a client that sends UTC (`Z`) learns
    its mistake instead of getting an answer for eight hours earlier. BadDate with a
    message otherwise.
    """
    if value == NOW:
        return timezone.localtime(now)
    match = ISO_MOMENT.fullmatch(value or "")
    try:
        if not match:
            raise ValueError
        day = dt.date.fromisoformat(match["date"])
        time = dt.time.fromisoformat(match["time"])
    except ValueError:
        raise BadDate(
            _(
                "“%(value)s” is not a moment: use YYYY-MM-DDTHH:MM in local time, "
                "e.g. 2026-11-24T19:30, or “now”."
            )
            % {"value": _shown(value)}
        ) from None
    _check_range(day)
    moment = dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())
    if match["offset"] and match["offset"].replace(" ", "+") != _offset(moment):
        raise BadDate(
            _("Give local time (%(zone)s, %(offset)s): without an offset, or with %(offset)s.")
            % {"zone": timezone.get_current_timezone_name(), "offset": _offset(moment)}
        )
    return moment


def _offset(moment: dt.datetime) -> str:
    """+08:00 for Shanghai."""
    return moment.isoformat()[-6:]


def _check_range(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise BadDate(
            _("Dates from %(first)s to %(last)s only.") % {"first": EARLIEST, "last": LATEST}
        )


def _shown(value: str) -> str:
    """What the message repeats of a bad value: short, and nothing unprintable."""
    return "".join(char if char.isprintable() else "�" for char in value[:40])


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[midnight, next midnight) of `day`, local time, as aware datetimes."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> "Month":
        """ "2026-10" → Month(2026, 10); ValueError with a message otherwise."""
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value or "")
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2099:
            raise ValueError(_("Choose a month as YYYY-MM, e.g. 2026-10."))
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    def __str__(self):
        return f"{self.year}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> "Month":
        return Month.containing(self.first_day - dt.timedelta(days=1))

    @property
    def last_day(self) -> dt.date:
        return self.next.first_day - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first midnight, next month's first midnight), local time, as aware datetimes."""
        return day_bounds(self.first_day)[0], day_bounds(self.next.first_day)[0]
