"""The report's charts: legible text, and the calendar table behind the daily line."""

import datetime as dt

from desks.reports import charts
from desks.reports.monthly import Row


def test_chart_text_stays_at_12_px_at_the_smallest_size_the_page_allows():
    assert charts.FONT_SIZE * charts.MIN_SCALE >= 12


def test_a_bar_label_of_the_longest_allowed_length_fits_beside_its_bar():
    assert charts.FONT_SIZE * charts.LABEL_CHARACTERS <= charts.LABEL_WIDTH - 8


def test_bars_draw_this_month_and_last_month_to_one_scale():
    chart = charts.bars([Row("和平社区", 10, 20), Row("幸福里社区", 5, 0)])
    first, second = chart["bars"]
    assert first.previous_width == 2 * first.width
    assert second.width == first.width / 2 and second.previous_width == 0
    assert second.y > first.previous_y > first.y


def test_bars_keep_the_busiest_rows_only():
    chart = charts.bars([Row(f"社区{n}", n) for n in range(20)], limit=12)
    assert len(chart["bars"]) == 12


def test_weeks_lay_the_days_out_monday_to_sunday():
    # November 2026 starts on a Sunday and ends on a Monday.
    days = [(dt.date(2026, 11, 1) + dt.timedelta(days=n), n) for n in range(30)]
    calendar = charts.weeks(days)
    assert len(calendar) == 6
    assert calendar[0] == [None] * 6 + [(dt.date(2026, 11, 1), 0)]
    assert calendar[1][0] == (dt.date(2026, 11, 2), 1)
    assert calendar[-1] == [(dt.date(2026, 11, 30), 29)] + [None] * 6
    assert sum(1 for week in calendar for cell in week if cell) == 30


def test_a_month_starting_on_monday_has_no_empty_first_week():
    days = [(dt.date(2026, 6, 1) + dt.timedelta(days=n), 1) for n in range(30)]
    assert charts.weeks(days)[0][0] == (dt.date(2026, 6, 1), 1)
    assert charts.weeks([]) == []


def test_an_empty_month_draws_a_flat_line_and_says_its_busiest_day_had_none():
    days = [(dt.date(2026, 2, 1) + dt.timedelta(days=n), 0) for n in range(28)]
    chart = charts.line(days)
    assert chart["busiest"] == 0 and chart["top"] == 1
    assert {round(y) for _, y, _, _ in chart["dots"]} == {chart["baseline"]}
