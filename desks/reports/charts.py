"""Charts as plain SVG geometry, drawn by templates: no script, so the CSP stays strict.

A chart is drawn at most at its natural width (CSS `max-width`), so its viewBox units are
screen pixels or fewer: FONT_SIZE is the smallest text size a reader gets at full width,
and the page keeps a chart at no less than MIN_SCALE of it (FONT_SIZE × MIN_SCALE ≥ 12 px).
"""

import datetime as dt
from dataclasses import dataclass

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


def bars(rows, limit=12) -> dict:
    """Horizontal bars for a report table's rows: this month solid, last month as a
    thin bar under it."""
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
        "width": WIDTH,
        "height": max(len(drawn) * step, step),
        "label_width": LABEL_WIDTH,
        "label_characters": LABEL_CHARACTERS,
        "bar_height": BAR_HEIGHT,
        "previous_bar_height": PREVIOUS_BAR_HEIGHT,
        "font_size": FONT_SIZE,
    }


def line(points, height=200) -> dict:
    """A polyline of daily counts, with the day numbers underneath."""
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
        "width": WIDTH,
        "height": height,
        "left": left,
        "baseline": height - bottom,
        "top": top,  # the height of the axis, at least 1
        "busiest": max((value for _, value in points), default=0),
        "font_size": FONT_SIZE,
    }


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
