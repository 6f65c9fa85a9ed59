"""The report's tables as CSV (UTF-8 with BOM, for Excel) and XLSX (one sheet per table)."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from desks.reports import Table

SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def header(table: Table, month, previous) -> list[str]:
    return [table.label_heading, str(month), str(previous), _("Change")]


def table_rows(table: Table) -> list[list]:
    return [[row.label, row.current, row.previous, row.change] for row in table.rows]


def as_csv(title: str, tables: list[Table], month, previous) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(header(table, month, previous))
        writer.writerows(table_rows(table))
    # The BOM tells Excel the file is UTF-8, so Chinese is not garbled.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def as_xlsx(title: str, tables: list[Table], month, previous) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.title.translate(SHEET_NAME_FORBIDDEN)[:31])
        sheet.append([title])
        sheet.append(header(table, month, previous))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table_rows(table):
            sheet.append(row)
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
