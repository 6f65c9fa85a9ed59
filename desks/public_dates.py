"""Reading a date a resident (or a program) typed into a public URL."""

import datetime as dt
import re

from django.utils.translation import gettext as _

# Far enough for any real question, near enough that the holiday library can answer.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
            _("“%(value)s” is not a date: use YYYY-MM-DD, e.g. 2026-11-24.") % {"value": value[:40]}
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise BadDate(
            _("Dates from %(first)s to %(last)s only.") % {"first": EARLIEST, "last": LATEST}
        )
    return day
