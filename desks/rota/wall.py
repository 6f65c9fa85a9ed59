"""The rota for the wall: a printable month grid per community, and the same rota as CSV/XLSX.

Print, CSV, XLSX and `export_rota` all read `wall_grids`, so what is on the wall and
what is in the file say the same thing. A draft is shown, marked as a draft on every
sheet and every row, rather than refused: a head prints it to check it before
publishing, and the mark keeps it from passing for the rota.

Every way out shows workers' names and the heads' phones, so each one leaves an
`ExportRecord` (`record_export`), printing too.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Font

from desks.core.dates import Month
from desks.core.spreadsheets import SafeCsvWriter, safe_row
from desks.hours.opening import DayHours, OpeningHours
from desks.models import Assignment, DutySlot, ExportRecord, RotaMonth, SlotKind, User

SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
WHAT_MAX_LENGTH = ExportRecord._meta.get_field("what").max_length
NAME_SEPARATOR = "、"


@dataclass
class WallSlot:
    """One slot as the wall shows it: its time, who is on it, or that it is cancelled."""

    slot: DutySlot
    names: list[str]

    @property
    def time(self) -> str:
        start, end = timezone.localtime(self.slot.starts_at), timezone.localtime(self.slot.ends_at)
        return f"{start:%H:%M}–{end:%H:%M}"


@dataclass
class WallDay:
    hours: DayHours
    # One list of slots per column of the grid, in the grid's column order.
    cells: list[list[WallSlot]]

    @property
    def date(self) -> dt.date:
        return self.hours.date

    @property
    def has_slots(self) -> bool:
        return any(self.cells)


@dataclass
class WallGrid:
    """One community's month: a page on the wall, a sheet of the XLSX."""

    rota_month: RotaMonth
    columns: list[tuple[str, str]]  # (slot kind, its label)
    days: list[WallDay]
    heads: list[User] = field(default_factory=list)

    @property
    def community(self):
        return self.rota_month.community

    @property
    def month(self) -> Month:
        return Month.containing(self.rota_month.month)

    @property
    def is_draft(self) -> bool:
        return not self.rota_month.is_published

    @property
    def state(self) -> str:
        return state_label(self.rota_month)


def state_label(rota_month: RotaMonth) -> str:
    if rota_month.is_published:
        return _("published")
    return _("draft")


def wall_grids(rota_months) -> list[WallGrid]:
    """A grid for each of `rota_months` (a queryset or list), in community then month order.

    Costs the same number of queries however many slots and months: rota months, slots,
    their assignments with workers, heads, and the opening hours' three.
    """
    rota_months = sorted(rota_months, key=lambda rm: (rm.community.name, rm.community_id, rm.month))
    if not rota_months:
        return []
    spans = {rm.pk: (rm.month, Month.containing(rm.month).last_day) for rm in rota_months}
    in_months = Q(pk__in=[])
    for rm in rota_months:
        in_months |= Q(community=rm.community_id, date__range=spans[rm.pk])
    slots = (
        DutySlot.objects.filter(in_months)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("worker").order_by(
                    "worker__last_name", "worker__first_name", "worker__username"
                ),
            )
        )
        .order_by("starts_at")
    )
    by_day = {}
    for slot in slots:
        by_day.setdefault((slot.community_id, slot.date), []).append(slot)

    communities = {rm.community_id: rm.community for rm in rota_months}.values()
    hours = OpeningHours(
        communities,
        min(first for first, _last in spans.values()),
        max(last for _first, last in spans.values()),
    )
    heads = {}
    for head in User.objects.heads_of(*communities).order_by("last_name", "first_name", "pk"):
        heads.setdefault(head.community_id, []).append(head)

    grids = []
    for rm in rota_months:
        first, last = spans[rm.pk]
        days = []
        day = first
        while day <= last:
            days.append((hours.day(rm.community, day), by_day.get((rm.community_id, day), [])))
            day += dt.timedelta(days=1)
        kinds = {slot.kind for _hours, day_slots in days for slot in day_slots}
        columns = [(kind, label) for kind, label in SlotKind.choices if kind in kinds]
        grid = WallGrid(rm, [(kind, str(label)) for kind, label in columns], [])
        for day_hours, day_slots in days:
            cells = [
                [_wall_slot(slot) for slot in day_slots if slot.kind == kind]
                for kind, _label in columns
            ]
            grid.days.append(WallDay(day_hours, cells))
        grid.heads = heads.get(rm.community_id, [])
        grids.append(grid)
    return grids


def _wall_slot(slot: DutySlot) -> WallSlot:
    # Who was on a cancelled slot is not on duty: the wall shows the cancellation only.
    names = [] if slot.is_cancelled else [a.worker.display_name for a in slot.assignments.all()]
    return WallSlot(slot, names)


def header() -> list[str]:
    """The columns of the CSV and XLSX, in the reader's language."""
    return [
        _("Community"),
        _("Date"),
        _("Weekday"),
        _("Start"),
        _("End"),
        _("On duty"),
        _("Note"),
        _("State"),
    ]


def rows(grid: WallGrid) -> list[list]:
    """One row per slot, in time order; the same slots and names as the printed grid."""
    result = []
    for day in grid.days:
        slots = sorted(
            (wall_slot for cell in day.cells for wall_slot in cell),
            key=lambda wall_slot: wall_slot.slot.starts_at,
        )
        for wall_slot in slots:
            slot = wall_slot.slot
            start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
            result.append(
                [
                    grid.community.name,
                    day.date.isoformat(),
                    date_format(day.date, "D"),
                    f"{start:%H:%M}",
                    f"{end:%H:%M}",
                    NAME_SEPARATOR.join(wall_slot.names),
                    _slot_note(day, slot),
                    grid.state,
                ]
            )
    return result


def _slot_note(day: WallDay, slot: DutySlot) -> str:
    if slot.is_cancelled:
        if slot.cancel_reason:
            return _("Cancelled: %(reason)s") % {"reason": slot.cancel_reason}
        return _("Cancelled")
    notes = [str(day.hours.note)] if day.hours.note else []
    if slot.shortfall:
        # The msgid of the rota pages' "N missing", so it reads the same everywhere.
        missing = slot.shortfall
        notes.append(
            ngettext("%(missing)s missing", "%(missing)s missing", missing) % {"missing": missing}
        )
    return "; ".join(notes)


def as_csv(grids: list[WallGrid]) -> bytes:
    """UTF-8 with a BOM, so that Excel reads the Chinese."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(header())
    for grid in grids:
        writer.writerows(rows(grid))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def as_xlsx(grids: list[WallGrid]) -> bytes:
    """One sheet per community's month."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    names = set()
    for number, grid in enumerate(grids, start=1):
        name = f"{grid.community.name} {grid.month}".translate(SHEET_NAME_FORBIDDEN)[:31]
        if name in names:  # two communities of the same name in one file
            name = f"{name[:26]} ~{number}"
        names.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append(safe_row(header()))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows(grid):
            sheet.append(safe_row(row))
        for column, width in zip("ABCDEFGH", (16, 12, 8, 7, 7, 24, 24, 8), strict=True):
            sheet.column_dimensions[column].width = width
    if not grids:
        workbook.create_sheet(_("Rota")).append(safe_row(header()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(grids: list[WallGrid], extension: str) -> str:
    """值班表-和平社区-2026-05-草稿.csv: the community, the month and, for a draft, so."""
    names = list(dict.fromkeys(grid.community.name for grid in grids))
    months = sorted({str(grid.month) for grid in grids})
    parts = [_("rota")]
    if len(names) == 1:
        parts.append(names[0])
    elif names:
        parts.append(_("%(name)s and %(count)d more") % {"name": names[0], "count": len(names) - 1})
    if months:
        parts.append(months[0] if len(months) == 1 else f"{months[0]}–{months[-1]}")
    if any(grid.is_draft for grid in grids):
        parts.append(_("draft"))
    return "-".join(parts).replace("/", " ") + f".{extension}"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FORMATS = {"csv": (as_csv, "text/csv; charset=utf-8"), "xlsx": (as_xlsx, XLSX_TYPE)}
PRINTED = "print"  # the ExportRecord format of a printed grid


@dataclass(frozen=True)
class WallFile:
    content: bytes
    content_type: str
    filename: str


def wall_file(grids: list[WallGrid], file_format: str) -> WallFile:
    """The grids as a download: `file_format` is one of FILE_FORMATS."""
    write, content_type = FILE_FORMATS[file_format]
    return WallFile(write(grids), content_type, filename(grids, file_format))


def record_export(user, grids: list[WallGrid], file_format: str, ip_address, now) -> ExportRecord:
    """Who took which months' rota off the system, how and from where, like a report export."""
    months = "、".join(f"{grid.community.name} {grid.month}" for grid in grids)
    what = _("Rota for the wall: %(months)s") % {"months": months}
    if len(what) > WHAT_MAX_LENGTH:
        what = what[: WHAT_MAX_LENGTH - 1] + "…"
    return ExportRecord.objects.create(
        user=user,
        exported_at=now,
        what=what,
        file_format=file_format,
        ip_address=ip_address,
    )
