"""Charts as plain SVG: no script, so the CSP stays strict.

A chart is drawn at most at its natural width (CSS `max-width`), so its viewBox units are
screen pixels or fewer: FONT_SIZE is the smallest text size a reader gets at full width,
and the page keeps a chart at no less than MIN_SCALE of it (FONT_SIZE × MIN_SCALE ≥ 12 px).

The repeated marks (bars, dots, calendar days, heat map cells) are drawn here as markup
strings, the frame around them (names, legends, translated text) by the page's template:
a template loop cost the report page more than its figures (benchmarks/RESULTS.md). Only
whole numbers (counts, printed as `{{ n }}` prints them), coordinates (`fixed`) and escaped
labels go in.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from desks.core.dates import Month

WIDTH = 640
FONT_SIZE = 15
MIN_SCALE = 0.8  # the page's CSS keeps charts at least 512 px wide: 15 × 0.8 = 12 px
BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_WIDTH = 200
LABEL_CHARACTERS = 12  # a Chinese character is FONT_SIZE wide: 12 fit in LABEL_WIDTH
PREVIOUS_BAR_HEIGHT = 5


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    previous: float
    y: int
    width: float
    previous_width: float

    @property
    def text_y(self) -> float:
        """The baseline of the bar's label and value, centred on this month's bar."""
        return self.y + (BAR_HEIGHT + FONT_SIZE * 0.7) / 2

    @property
    def previous_y(self) -> int:
        return self.y + BAR_HEIGHT + 1


def fixed(value: float, places: int) -> str:
    """`value` with `places` decimals, halves rounded up, as the `floatformat` filter
    prints a coordinate (its decimal point, whatever the language: this is SVG);
    `places=0` prints a whole number."""
    number = Decimal(str(value))
    if places == 0 and number == int(number):
        return str(int(number))
    return str(number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def bars(rows, month: Month, limit=12) -> dict:
    """Horizontal bars for a report table's rows: this month solid, last month as a
    thin bar under it; "drawn" is their markup (`bar_marks`)."""
    rows = list(rows)[:limit]
    top = max([max(row.current, row.previous) for row in rows] + [1])
    room = WIDTH - LABEL_WIDTH - 70  # space for the value after the longest bar
    step = BAR_HEIGHT + PREVIOUS_BAR_HEIGHT + BAR_GAP
    drawn = [
        Bar(
            label=row.label,
            value=row.current,
            previous=row.previous,
            y=index * step,
            width=room * row.current / top,
            previous_width=room * row.previous / top,
        )
        for index, row in enumerate(rows)
    ]
    return {
        "bars": drawn,
        "drawn": bar_marks(drawn, month),
        "width": WIDTH,
        "height": max(len(drawn) * step, step),
        "label_width": LABEL_WIDTH,
        "label_characters": LABEL_CHARACTERS,
        "bar_height": BAR_HEIGHT,
        "previous_bar_height": PREVIOUS_BAR_HEIGHT,
        "font_size": FONT_SIZE,
    }


def bar_marks(drawn: list[Bar], month: Month) -> SafeString:
    """Each bar's label, this month's bar, last month's under it (each with a tooltip)
    and this month's value, as templates/admin/reports/bars.svg places them."""
    current, previous = escape(month), escape(month.previous)
    marks = []
    for bar in drawn:
        label = escape(bar.label)
        short = escape(Truncator(bar.label).chars(LABEL_CHARACTERS))
        text_y = fixed(bar.text_y, 1)
        marks.append(
            f'\n    <text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" fill="#222">'
            f"{short}</text>"
            f'\n    <rect x="{LABEL_WIDTH}" y="{bar.y}" width="{fixed(bar.width, 1)}" '
            f'height="{BAR_HEIGHT}" class="series-current">'
            f"<title>{label} · {current}: {bar.value}</title></rect>"
            f'\n    <rect x="{LABEL_WIDTH}" y="{bar.previous_y}" '
            f'width="{fixed(bar.previous_width, 1)}" height="{PREVIOUS_BAR_HEIGHT}" '
            f'class="series-previous">'
            f"<title>{label} · {previous}: {bar.previous}</title></rect>"
            f'\n    <text x="{LABEL_WIDTH + 8}" y="{text_y}" dx="{fixed(bar.width, 0)}" '
            f'fill="#222">{bar.value}</text>\n  '
        )
    return mark_safe("".join(marks))


def line(points, height=200) -> dict:
    """A polyline of daily counts, with the day numbers underneath; "drawn" is the
    markup of its dots and day numbers (`dot_marks`)."""
    top = max([value for _, value in points] + [1])
    left, bottom = 40, FONT_SIZE + 10
    step = (WIDTH - left - 10) / max(len(points) - 1, 1)
    coordinates = [
        (left + index * step, 10 + (height - bottom - 10) * (1 - value / top), day, value)
        for index, (day, value) in enumerate(points)
    ]
    return {
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coordinates),
        "dots": coordinates,
        "drawn": dot_marks(coordinates, height),
        "width": WIDTH,
        "height": height,
        "left": left,
        "baseline": height - bottom,
        "top": top,  # the height of the axis, at least 1
        "busiest": max((value for _, value in points), default=0),
        "font_size": FONT_SIZE,
    }


def dot_marks(dots: list[tuple[float, float, dt.date, int]], height: int) -> SafeString:
    """A dot for each day (its tooltip: the day and its count), and the day's number
    under the axis on the 1st and every fifth day."""
    marks = []
    for x, y, day, value in dots:
        x_text = fixed(x, 1)
        marks.append(
            f'\n          <circle cx="{x_text}" cy="{fixed(y, 1)}" r="3" class="series-dot">'
            f"<title>{day.month}/{day.day}: {value}</title></circle>\n          "
        )
        if day.day == 1 or day.day % 5 == 0:
            marks.append(
                f'<text x="{x_text}" y="{height - 4}" text-anchor="middle" fill="#222">'
                f"{day.day}</text>"
            )
        marks.append("\n        ")
    return mark_safe("".join(marks))


def weeks(points: list[tuple[dt.date, int]]) -> list[list[tuple[dt.date, int] | None]]:
    """The daily counts as a calendar, Monday to Sunday: the table behind the line."""
    if not points:
        return []
    calendar = [[None] * 7]
    for day, value in points:
        if day.weekday() == 0 and calendar[-1] != [None] * 7:
            calendar.append([None] * 7)
        calendar[-1][day.weekday()] = (day, value)
    return calendar


def calendar_rows(calendar: list[list[tuple[dt.date, int] | None]]) -> SafeString:
    """The rows of the calendar table (`weeks`): each day's date and count, blank cells
    before the 1st and after the last day."""
    rows = []
    for week in calendar:
        cells = "".join(
            f'<td><span class="calendar-day">{cell[0].month}/{cell[0].day}</span> {cell[1]}</td>'
            if cell
            else "<td></td>"
            for cell in week
        )
        rows.append(f"<tr>{cells}</tr>")
    return mark_safe("".join(rows))


# A heat map cell's shade: the first level whose bound the count stays under (0 only for
# none at all), the darkest above the last bound.
HEAT_BOUNDS = (1, 5, 15, 40)


def heat_level(requests: int) -> int:
    """The shade (0–4) of a heat map cell with this many requests."""
    return next((level for level, bound in enumerate(HEAT_BOUNDS) if requests < bound), 4)


def heat_map_rows(grid: list[list[int]]) -> SafeString:
    """The heat map's rows, hour by hour (0–23), Monday to Sunday; an hour without a
    request in the month is left out."""
    rows = []
    for hour, counts in enumerate(grid):
        if not any(counts):
            continue
        cells = "".join(f'<td class="heat heat-{heat_level(n)}">{n}</td>' for n in counts)
        rows.append(
            f'\n          <tr><th scope="row">{hour}:00</th>\n            {cells}</tr>\n        '
        )
    return mark_safe("".join(rows))
