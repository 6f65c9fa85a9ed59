import datetime as dt

import pytest
from django.utils import translation

from desks.core.dates import BadDate, Month, parse_moment
from tests.clock import at


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "2026-13", "May"])
def test_a_month_outside_2000_2099_is_refused(value):
    with pytest.raises(ValueError):
        Month.parse(value)


# parse_moment: the `at` of /api/hours/, local wall-clock time.

NOW = at(2026, 11, 24, 10, 15, 30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T19:30", at(2026, 11, 24, 19, 30)),
        ("2026-11-24T19:59:59", at(2026, 11, 24, 19, 59, 59)),
        ("2026-11-24T19:30+08:00", at(2026, 11, 24, 19, 30)),
        ("2026-11-24T19:30 08:00", at(2026, 11, 24, 19, 30)),  # a "+" sent unencoded
        ("2000-01-01T00:00", at(2000, 1, 1)),
        ("2099-12-31T23:59:59", at(2099, 12, 31, 23, 59, 59)),
        ("now", NOW),
    ],
)
def test_a_moment_is_read_as_local_time(value, expected):
    moment = parse_moment(value, NOW)
    assert moment == expected and moment.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2026-11-24",
        "2026-11-24 19:30",
        "2026-13-01T10:00",
        "2026-02-30T10:00",
        "2026-11-24T25:00",
        "2026-11-24T24:00",
        "2026-11-24T19:30:60",
        "2026-11-24T19:30:00.5",
        "2026-11-24T19",
        "24/11/2026T19:30",
        "NOW",
        "now ",
        "2026-11-24T19:30\x00",
        "２０２６-11-24T19:30",  # full-width digits
        "2026-11-24T19:30" + "0" * 10_000,
    ],
)
def test_anything_else_is_refused_with_the_expected_form(value):
    with pytest.raises(BadDate, match="YYYY-MM-DDTHH:MM") as error:
        parse_moment(value, NOW)
    assert len(str(error.value)) < 200 and "\x00" not in str(error.value)


@pytest.mark.parametrize(
    "value", ["2026-11-24T11:30Z", "2026-11-24T19:30-05:00", "2026-11-24T19:30+09:00"]
)
def test_another_offset_is_refused_saying_local_time_is_expected(value):
    with pytest.raises(BadDate, match=r"Asia/Shanghai, \+08:00"):
        parse_moment(value, NOW)


@pytest.mark.parametrize("value", ["1999-12-31T23:59", "2100-01-01T00:00", "0001-01-01T00:00"])
def test_a_moment_outside_2000_2099_is_refused(value):
    with pytest.raises(BadDate, match="2000-01-01"):
        parse_moment(value, NOW)
