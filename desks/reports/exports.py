"""The report's tables as CSV (UTF-8 with BOM, for Excel) and XLSX (one sheet per table).

Every cell goes through desks.core.spreadsheets, so no name becomes a formula.

Every table on the report page is here, in the same order: what is exported is
exactly what is on screen.
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from desks.core.spreadsheets import SafeCsvWriter, safe_row
from desks.reports.monthly import MonthlyReport

SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
RATES = (
    ("rated_share", "Rated (%)"),
    ("resolved_share", "Resolved (%)"),
    ("satisfied_share", "Satisfied (%)"),
    ("call_back_completion", "Call-backs completed (%)"),
)


def sheets(report: MonthlyReport) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for every table of the report page."""
    month, previous = str(report.month), str(report.month.previous)
    result = [
        (
            table.title,
            [table.label_heading, month, previous, pgettext("month on month", "Change")],
            [[row.label, row.current, row.previous, row.change] for row in table.rows],
        )
        for table in report.tables()
    ]
    for table in report.rate_tables():
        header = [table.label_heading]
        for _attribute, name in RATES:
            header += [f"{_(name)} {month}", f"{_(name)} {previous}"]
        rows = [
            [row.label]
            + [
                getattr(rates, attribute)
                for attribute, _name in RATES
                for rates in (row.current, row.previous)
            ]
            for row in table.rows
        ]
        result.append((table.title, header, rows))
    votes = report.votes_against_requests()
    result.append(
        (
            _("Residents' votes against requests at the desk"),
            [_("Service item"), _("Votes"), _("Requests in %(month)s") % {"month": month}],
            [[row.label, row.votes, row.requests] for row in votes.rows],
        )
    )
    return result


def as_csv(title: str, report: MonthlyReport) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([title])
    for name, header, rows in sheets(report):
        writer.writerow([])
        writer.writerow([name])
        writer.writerow(header)
        writer.writerows(rows)
    # The BOM tells Excel the file is UTF-8, so Chinese is not garbled.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def as_xlsx(title: str, report: MonthlyReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, header, rows in sheets(report):
        sheet = workbook.create_sheet(name.translate(SHEET_NAME_FORBIDDEN)[:31])
        sheet.append(safe_row([title]))
        sheet.append(safe_row(header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(safe_row(row))
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
