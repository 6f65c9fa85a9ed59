"""The report's charts: legible text, and the calendar table behind the daily line."""

import datetime as dt
import random
import re

import pytest
from django.template.defaultfilters import floatformat, truncatechars
from django.utils import translation
from django.utils.html import escape

from desks.core.dates import Month
from desks.reports import charts
from desks.reports.monthly import Row

NOVEMBER = Month(2026, 11)


def test_chart_text_stays_at_12_px_at_the_smallest_size_the_page_allows():
    assert charts.FONT_SIZE * charts.MIN_SCALE >= 12


def test_a_bar_label_of_the_longest_allowed_length_fits_beside_its_bar():
    assert charts.FONT_SIZE * charts.LABEL_CHARACTERS <= charts.LABEL_WIDTH - 8


def test_bars_draw_this_month_and_last_month_to_one_scale():
    chart = charts.bars([Row("和平社区", 10, 20), Row("幸福里社区", 5, 0)], NOVEMBER)
    first, second = chart["bars"]
    assert first.previous_width == 2 * first.width
    assert second.width == first.width / 2 and second.previous_width == 0
    assert second.y > first.previous_y > first.y


def test_bars_keep_the_busiest_rows_only():
    chart = charts.bars([Row(f"社区{n}", n) for n in range(20)], NOVEMBER, limit=12)
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


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_coordinates_are_printed_as_the_floatformat_filter_prints_them(language):
    values = [0, 0.05, 0.25, 16.25, 2.675, 369.99, 370.0, 1e-7, 123.45, 7, 0.5, 1.5, 2.5]
    values += [random.Random(19).uniform(0, 640) for _ in range(500)]
    with translation.override(language):
        for value in values:
            assert charts.fixed(value, 1) == floatformat(value, 1), value
            assert charts.fixed(value, 0) == floatformat(value, 0), value


def test_a_bar_is_named_by_its_escaped_label_cut_to_the_width_of_the_labels():
    label = "<b>一个名字很长很长很长的社区</b>"
    chart = charts.bars([Row(label, 3, 4)], NOVEMBER)
    drawn = chart["drawn"]
    assert "<b>" not in drawn
    short = escape(truncatechars(label, charts.LABEL_CHARACTERS))  # as the filter cuts it
    assert f'text-anchor="end" fill="#222">{short}</text>' in drawn
    assert "<title>&lt;b&gt;一个名字很长很长很长的社区&lt;/b&gt; · 2026-11: 3</title>" in drawn
    assert "<title>&lt;b&gt;一个名字很长很长很长的社区&lt;/b&gt; · 2026-10: 4</title>" in drawn


def test_bars_are_drawn_at_their_geometry():
    chart = charts.bars([Row("和平社区", 10, 20)], NOVEMBER)
    (bar,) = chart["bars"]
    assert (
        f'<rect x="200" y="0" width="{charts.fixed(bar.width, 1)}" height="22" '
        'class="series-current">' in chart["drawn"]
    )
    assert (
        f'<rect x="200" y="23" width="{charts.fixed(bar.previous_width, 1)}" height="5"'
        in (chart["drawn"])
    )
    # The value's baseline is centred on the bar: 0 + (22 + 10.5) / 2, halves rounded up.
    assert '<text x="208" y="16.3" dx="185" fill="#222">10</text>' in chart["drawn"]


def test_the_daily_line_numbers_the_first_day_and_every_fifth():
    days = [(dt.date(2026, 11, 1) + dt.timedelta(days=n), n) for n in range(30)]
    drawn = charts.line(days)["drawn"]
    assert drawn.count("<circle ") == 30
    numbers = [int(n) for n in re.findall(r'text-anchor="middle" fill="#222">(\d+)</text>', drawn)]
    assert numbers == [1, 5, 10, 15, 20, 25, 30]
    assert "<title>11/7: 6</title>" in drawn


def test_the_calendar_leaves_the_days_outside_the_month_blank():
    days = [(dt.date(2026, 11, 1) + dt.timedelta(days=n), n) for n in range(30)]
    rows = charts.calendar_rows(charts.weeks(days))
    first = rows.split("</tr>")[0]
    assert first == "<tr>" + "<td></td>" * 6 + '<td><span class="calendar-day">11/1</span> 0</td>'
    assert rows.count("<tr>") == 6 and rows.count('class="calendar-day"') == 30


def test_a_heat_map_cell_is_shaded_by_how_many_requests_it_had():
    levels = {n: charts.heat_level(n) for n in (0, 1, 4, 5, 14, 15, 39, 40, 500)}
    assert levels == {0: 0, 1: 1, 4: 1, 5: 2, 14: 2, 15: 3, 39: 3, 40: 4, 500: 4}


def test_the_heat_map_leaves_out_hours_without_a_request():
    grid = [[0] * 7 for _ in range(24)]
    grid[9] = [1, 0, 0, 0, 0, 0, 40]
    rows = charts.heat_map_rows(grid)
    assert rows.count("<tr>") == 1
    assert '<th scope="row">9:00</th>' in rows
    assert '<td class="heat heat-1">1</td><td class="heat heat-0">0</td>' in rows
    assert rows.endswith('<td class="heat heat-4">40</td></tr>\n        ')
