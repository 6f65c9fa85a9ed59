"""Shared moments and checks for the rota tests."""

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning in late November 2026: November's rota is running, December is ahead.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
