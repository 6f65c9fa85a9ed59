"""Cells that a spreadsheet will not run: every CSV and XLSX we export goes through here.

A resident, item or worker name is typed by people; Excel and LibreOffice read a cell
that starts with = + - @ (or a tab or carriage return before one) as a formula, so a
name like ``=HYPERLINK(...)`` would become a live link in an export. OWASP's advice for
CSV injection: put an apostrophe in front, which makes the cell plain text.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should show it: text that could be a formula gets a leading '.

    Numbers, dates and None pass unchanged: only typed text can smuggle a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]):
        for row in rows:
            self.writerow(row)
