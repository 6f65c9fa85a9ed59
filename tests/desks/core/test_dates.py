import pytest

from desks.core.dates import Month


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "2026-13", "May"])
def test_a_month_outside_2000_2099_is_refused(value):
    with pytest.raises(ValueError):
        Month.parse(value)
