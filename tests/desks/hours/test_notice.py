"""Reading the State Council's holiday notice: real notices agree with the `holidays`
library day by day; anything else is refused with a message naming the problem."""

import datetime as dt
from pathlib import Path

import holidays
import pytest

from desks.hours.notice import NoticeError, check_complete, parse_notice

pytestmark = pytest.mark.usefixtures("english")

NOTICES = Path(__file__).parent / "notices"

TITLE = "国务院办公厅关于2026年部分节假日安排的通知\n"


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def every_day(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def library_days_off(year: int) -> set[dt.date]:
    """The library's days off, and the weekend days inside each of their blocks (a run
    of days off, weekends not worked included, that contains a statutory day off)."""
    library = holidays.China(years=year)
    working = set(library.weekend_workdays)

    def resting(day):
        return day in library or (day.weekday() >= 5 and day not in working)

    off, block = set(), []
    day = dt.date(year - 1, 12, 20)
    while day <= dt.date(year + 1, 1, 10):
        if resting(day):
            block.append(day)
        else:
            if any(member in library for member in block):
                off |= set(block)
            block = []
        day += dt.timedelta(days=1)
    return {day for day in off if day.year == year}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_notice_agrees_with_the_library_day_by_day(year):
    arrangement = parse_notice(notice(year))
    days_off, working_days = arrangement.days_off(), arrangement.working_days()
    library_off = library_days_off(year)
    library_working = set(holidays.China(years=year).weekend_workdays)
    assert arrangement.year == year
    for day in every_day(year):
        assert (day in days_off) == (day in library_off), day
        assert (day in working_days) == (day in library_working), day


def test_it_reads_the_2026_notice_line_by_line():
    arrangement = parse_notice(notice(2026))
    spring = arrangement.holidays[1]
    assert [holiday.name for holiday in arrangement.holidays] == [
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
    ]
    assert (spring.first, spring.last) == (dt.date(2026, 2, 15), dt.date(2026, 2, 23))
    assert spring.working_days == (dt.date(2026, 2, 14), dt.date(2026, 2, 28))
    assert arrangement.days_off()[dt.date(2026, 10, 4)] == "国庆节"
    assert arrangement.working_days()[dt.date(2026, 2, 28)] == "春节调休上班"
    assert arrangement.working_days()[dt.date(2026, 1, 4)] == "元旦调休上班"


def test_it_reads_a_holiday_that_spans_two_months():
    arrangement = parse_notice(notice(2025))
    dragon_boat = arrangement.holidays[4]
    assert (dragon_boat.first, dragon_boat.last) == (dt.date(2025, 5, 31), dt.date(2025, 6, 2))
    assert arrangement.days_off()[dt.date(2025, 10, 8)] == "国庆节、中秋节"


def test_half_width_punctuation_and_spaces_read_the_same():
    half_width = (
        "国务院办公厅关于2026年部分节假日安排的通知\n"
        "  一、 元旦: 1月1日 (周四) 至 3日 (周六) 放假调休, 共3天. 1月4日(周日)上班.\n"
        "二、春节:2月15日(农历腊月二十八、周日)至23日(农历正月初七、周一)放假调休,共9天."
        "2月14日(周六)、2月28日(周六)上班.\n"
    )
    arrangement = parse_notice(half_width)
    official = parse_notice(notice(2026))
    assert arrangement.days_off() == {
        day: name for day, name in official.days_off().items() if day.month <= 2
    }
    assert arrangement.working_days() == {
        day: name for day, name in official.working_days().items() if day.month <= 2
    }


def test_a_single_day_joined_to_the_weekend_takes_the_weekend_with_it():
    arrangement = parse_notice(TITLE + "六、中秋节：9月25日（周五）放假，与周末连休。")
    assert arrangement.days_off() == {
        dt.date(2026, 9, 25): "中秋节",
        dt.date(2026, 9, 26): "中秋节",
        dt.date(2026, 9, 27): "中秋节",
    }


def test_a_weekend_worked_in_exchange_is_not_joined_to_the_block():
    arrangement = parse_notice(
        TITLE + "二、春节：2月16日（周一）至20日（周五）放假调休，共5天。2月14日（周六）、"
        "2月15日（周日）上班。"
    )
    assert dt.date(2026, 2, 15) not in arrangement.days_off()
    assert dt.date(2026, 2, 21) in arrangement.days_off()  # the weekend after is off


def test_new_year_may_start_in_the_december_before():
    arrangement = parse_notice(
        "国务院办公厅关于2019年部分节假日安排的通知\n"
        "一、元旦：12月30日（周日）至1月1日（周二）放假调休，共3天。12月29日（周六）上班。"
    )
    new_year = arrangement.holidays[0]
    assert (new_year.first, new_year.last) == (dt.date(2018, 12, 30), dt.date(2019, 1, 1))
    assert new_year.working_days == (dt.date(2018, 12, 29),)


def test_dates_with_their_year_written_out_are_read_as_written():
    arrangement = parse_notice(
        "国务院办公厅关于2019年部分节假日安排的通知\n"
        "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
    )
    assert arrangement.holidays[0].first == dt.date(2018, 12, 30)
    assert arrangement.holidays[0].working_days == (dt.date(2018, 12, 29),)


def test_without_a_title_the_year_comes_from_the_text_not_the_signature():
    text = notice(2026).replace("国务院办公厅关于2026年部分节假日安排的通知", "")
    assert parse_notice(text).year == 2026


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "No year found"),
        ("   \n\n", "No year found"),
        ("春风又绿江南岸，明月何时照我还。社区服务中心欢迎您。", "No year found"),
        ("Dear residents, the centre will be closed on 1 January 2026.", "No year found"),
        (TITLE + "经国务院批准，现将2026年节假日安排通知如下。", "No holiday found"),
        (TITLE + "一、元旦：请关注后续通知。", "Line 2 (元旦): no days off found"),
        (TITLE + "一、元旦：放假调休，共3天。", "Line 2 (元旦): no date before “放假”"),
        (TITLE + "一、元旦：1日至3日放假。", "Line 2 (元旦): “1日” has no month"),
        (TITLE + "二、春节：2月30日至3月2日放假。", "Line 2 (春节): 2月30日 does not exist"),
        (
            TITLE + "一、元旦：1月3日（周六）至1日（周四）放假调休，共3天。",
            "Line 2 (元旦): the days off end on 2026年1月1日, before they start on 2026年1月3日",
        ),
        (
            TITLE + "一、元旦：1月1日（周五）至3日（周六）放假，共3天。",
            "Line 2 (元旦): 2026年1月1日 is a 周四, not a 周五 as written",
        ),
        (
            TITLE + "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周一）上班。",
            "Line 2 (元旦): 2026年1月4日 is a 周日, not a 周一 as written",
        ),
        (
            TITLE + "一、元旦：1月1日（周四）至3日（周六）放假调休，共4天。",
            "the notice says 4 days off, but 2026年1月1日 to 2026年1月3日 is 3 days",
        ),
        (
            TITLE + "一、元旦：1月1日至3日放假调休，共3天。1月3日上班。",
            "Line 2 (元旦): 2026年1月3日 is both a day off and a working day",
        ),
        (
            TITLE + "四、劳动节：5月1日至5日放假，共5天。\n五、端午节：5月5日至7日放假，共3天。",
            "Lines 2 (劳动节) and 3 (端午节) both give 2026年5月5日",
        ),
        (
            TITLE + "四、劳动节：5月1日至5日放假，共5天。5月9日上班。\n五、端午节：5月9日放假。",
            "Lines 2 (劳动节) and 3 (端午节) both give 2026年5月9日",
        ),
        (TITLE + "一、元旦：2024年1月1日放假。", "Line 2 (元旦): 2024年1月1日 is not in 2026"),
    ],
)
def test_text_that_is_not_a_readable_notice_is_refused(text, problem):
    with pytest.raises(NoticeError) as refused:
        parse_notice(text)
    assert problem in refused.value.message


def test_make_up_days_in_the_days_off_sentence_are_read_too():
    arrangement = parse_notice(
        TITLE + "七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天，"
        "9月20日（周日）、10月10日（周六）上班。"
    )
    assert arrangement.holidays[0].working_days == (dt.date(2026, 9, 20), dt.date(2026, 10, 10))


@pytest.mark.parametrize("year", ["1999", "2100", "9999"])
def test_a_year_out_of_range_is_refused(year):
    with pytest.raises(NoticeError, match=f"The notice is for {year}"):
        parse_notice(f"国务院办公厅关于{year}年部分节假日安排的通知\n一、元旦：12月31日放假。")


def test_a_notice_missing_a_holiday_is_not_the_whole_notice():
    check_complete(parse_notice(notice(2026)))
    partial = parse_notice(TITLE + "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。")
    with pytest.raises(NoticeError, match="no line for 春节、清明、劳动节、端午、中秋、国庆"):
        check_complete(partial)
