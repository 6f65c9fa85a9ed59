"""The report's tables as CSV (UTF-8 with BOM, for Excel) and XLSX (one sheet per table).

Every cell goes through desks.core.spreadsheets, so no name becomes a formula.

Every table on the report page is here, in the same order, in the page's language, with
what it counts (its unit) under its title: what is exported is exactly what is on
screen. Figures that are not whole numbers carry monthly.DECIMALS decimals (the page's
rounding), never float noise.
"""

import io

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from desks.core.spreadsheets import SafeCsvWriter, safe_row
from desks.reports.booking_tables import BookingTables
from desks.reports.monthly import DECIMALS, MonthlyReport, registrations_unit, rounded

SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
# What XLSX shows a non-whole figure with (the CSV writes it rounded to DECIMALS).
NUMBER_FORMAT = "0." + "0" * DECIMALS


def _cell(value):
    """A number as the page shows it (rounded, no float noise); text and None unchanged."""
    if isinstance(value, float):
        return rounded(value)
    return value


def sheets(report: MonthlyReport) -> list[tuple[str, str, list[str], list[list]]]:
    """(title, unit, header, rows) for every table of the report page."""
    month, previous = str(report.month), str(report.month.previous)
    result = [
        (
            table.title,
            table.unit,
            [table.label_heading, month, previous, pgettext("month on month", "Change")],
            [[row.label, row.current, row.previous, row.change] for row in table.rows],
        )
        for table in report.tables()
    ]
    for table in report.rate_tables():
        header = [table.label_heading]
        for _attribute, heading, _definition in table.columns:
            header += [f"{heading} {month}", f"{heading} {previous}"]
        rows = [
            [row.label] + [value for pair in row.cells() for value in pair]
            for row in [*table.rows, table.total()]
        ]
        result.append((table.title, table.unit, header, rows))
    votes = report.votes_against_requests()
    result.append(
        (
            _("Residents' votes against requests at the desk"),
            _("Votes of residents; registrations (登记) at the desk."),
            [_("Service item"), _("Votes"), _("Requests in %(month)s") % {"month": month}],
            [[row.label, row.votes, row.requests] for row in votes.rows],
        )
    )
    for table in report.waiting_tables():
        header = [table.label_heading]
        for _attribute, heading in table.columns:
            header += [f"{heading} {month}", f"{heading} {previous}"]
        rows = [[row.label] + [value for pair in row.cells for value in pair] for row in table.rows]
        result.append((table.title, table.unit, header, rows))
    result += _booking_sheets(BookingTables(report), month, previous)
    result.append(
        (
            _("Requests by hour and day of week"),
            registrations_unit(),
            [_("Hour")] + [str(WEEKDAYS_ABBR[day]) for day in range(7)],
            [
                [f"{hour}:00", *counts]
                for hour, counts in enumerate(report.heat_map())
                if any(counts)
            ],
        )
    )
    return [
        (title, unit, header, [[_cell(value) for value in row] for row in rows])
        for title, unit, header, rows in result
    ]


def _booking_sheets(bookings: BookingTables, month: str, previous: str) -> list:
    """The report page's booking tables (templates/booking/booking_report_tables.html)."""
    result = [
        (
            _("Bookings (预约)"),
            _("Bookings for a day of the month; residents."),
            [_("Bookings"), month, previous],
            [[row.label, row.current, row.previous] for row in bookings.counts()],
        )
    ]
    waits = bookings.waits()
    unit = _(
        "Minutes from the later of arrival and the window's start to the time the request "
        "was served; median and 90th percentile (9 in 10 waited no longer)."
    )
    # Titles that stay apart in a sheet's 31 characters.
    for key, title, label in (
        ("window", _("Booked waits per window"), _("Window")),
        ("item", _("Booked waits per service item"), _("Service item")),
    ):
        result.append(
            (
                title,
                unit,
                [label, _("Served"), _("Median (minutes)"), _("90th percentile (minutes)")],
                [[row.label, row.served, row.median, row.p90] for row in waits[key]],
            )
        )
    return result


def as_csv(title: str, report: MonthlyReport) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([title])
    for name, unit, header, rows in sheets(report):
        writer.writerow([])
        writer.writerow([name])
        writer.writerow([unit])
        writer.writerow(header)
        writer.writerows(rows)
    # The BOM tells Excel the file is UTF-8, so Chinese is not garbled.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def as_xlsx(title: str, report: MonthlyReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, unit, header, rows in sheets(report):
        sheet = workbook.create_sheet(name.translate(SHEET_NAME_FORBIDDEN)[:31])
        sheet.append(safe_row([title]))
        sheet.append(safe_row([unit]))
        sheet.append(safe_row(header))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(safe_row(row))
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = NUMBER_FORMAT
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
