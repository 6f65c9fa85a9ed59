"""Charts as plain SVG geometry, drawn by templates: no script, so the CSP stays strict."""

from dataclasses import dataclass

WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 200


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    previous: float
    y: int
    width: float
    previous_width: float


def bars(rows, limit=12) -> dict:
    """Horizontal bars for a report table's rows: this month solid, last month as a thin line."""
    rows = list(rows)[:limit]
    top = max([max(row.current, row.previous) for row in rows] + [1])
    room = WIDTH - LABEL_WIDTH - 60
    drawn = [
        Bar(
            label=row.label,
            value=row.current,
            previous=row.previous,
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=room * row.current / top,
            previous_width=room * row.previous / top,
        )
        for index, row in enumerate(rows)
    ]
    return {
        "bars": drawn,
        "width": WIDTH,
        "height": max(len(drawn) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


def line(points, height=180) -> dict:
    """A polyline of daily counts, with the day numbers underneath."""
    top = max([value for _, value in points] + [1])
    step = (WIDTH - 40) / max(len(points) - 1, 1)
    coordinates = [
        (20 + index * step, 10 + (height - 30) * (1 - value / top), day, value)
        for index, (day, value) in enumerate(points)
    ]
    return {
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coordinates),
        "dots": coordinates,
        "width": WIDTH,
        "height": height,
        "baseline": height - 20,
        "top": top,
    }
