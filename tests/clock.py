"""The shared clock: wall-clock moments in Shanghai, where every centre is."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """An aware moment on Shanghai's wall clock: `at(2026, 11, 24, 19, 20)`."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# A Tuesday morning in late November 2026: November's rota is running, December is ahead.
TUESDAY_MORNING = at(2026, 11, 24, 10)


class Clock:
    """Time stands still where a test puts it, until the test moves it on."""

    def __init__(self, machine: time_machine.TimeMachineFixture):
        self._machine = machine

    def stop_at(self, moment: dt.datetime) -> dt.datetime:
        self._machine.move_to(moment, tick=False)
        return moment

    def run_from(self, moment: dt.datetime) -> dt.datetime:
        """Time goes on from `moment`: for a live server and a browser that wait on it."""
        self._machine.move_to(moment, tick=True)
        return moment

    def advance(self, delta: dt.timedelta) -> None:
        self._machine.shift(delta)
