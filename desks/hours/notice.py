"""Reading the State Council's holiday notice (国务院办公厅关于<year>年部分节假日安排的通知).

Each autumn the notice fixes next year's holidays, one line per holiday:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。

`parse_notice` turns the pasted text into an `Arrangement` (the year; per holiday its
days off and the weekend days worked in exchange), or raises `NoticeError` saying
what is wrong and on which line. It reads text only: `desks.hours.arrangement`
compares the result with the stored calendar and enters it.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from desks.core.dates import EARLIEST, LATEST

WEEKDAYS = "一二三四五六日"  # 周一 … 周日, as date.weekday() counts them
SATURDAY = 5
ONE_DAY = dt.timedelta(days=1)

# After normalising (see _normalise): "一、元旦:1月1日(周四)至3日(周六)放假调休,共3天."
_HOLIDAY_LINE = re.compile(r"^[一二三四五六七八九十]+[、.]([^:,.()]{1,20}?):(.+)$")
_TITLE_YEAR = re.compile(r"(\d{4})年(?:部分)?节假日安排")
# A year standing alone ("现将2026年元旦、春节…"), not the date of the signature.
_LOOSE_YEAR = re.compile(r"(\d{4})年(?!\d{1,2}月)")
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?")
_WRITTEN_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_DAYS_COUNT = re.compile(r"(?:共|放假)(\d+)天")


class NoticeError(ValidationError):
    """The pasted text is not a holiday notice the app can read; the message says why."""


@dataclass(frozen=True)
class Holiday:
    """One line of the notice: a holiday's days off and its make-up working days."""

    name: str
    line: int  # in the pasted text, from 1
    first: dt.date
    last: dt.date
    working_days: tuple[dt.date, ...] = ()

    @property
    def days_off(self) -> list[dt.date]:
        return [self.first + ONE_DAY * n for n in range((self.last - self.first).days + 1)]

    @property
    def working_day_name(self) -> str:
        return f"{self.name}调休上班"


@dataclass(frozen=True)
class Arrangement:
    """A year's holidays as the notice gives them."""

    year: int
    holidays: tuple[Holiday, ...]

    def days_off(self) -> dict[dt.date, str]:
        """Every day off and its holiday's name: the notice's ranges, and the weekend days
        joined to them (a notice may say only "9月25日放假，与周末连休")."""
        working = self.working_days()
        days = {}
        for holiday in self.holidays:
            for day in holiday.days_off:
                days[day] = holiday.name
            for step, edge in ((-ONE_DAY, holiday.first), (ONE_DAY, holiday.last)):
                day = edge + step
                while day.weekday() >= SATURDAY and day not in working:
                    days.setdefault(day, holiday.name)
                    day += step
        return dict(sorted(days.items()))

    def working_days(self) -> dict[dt.date, str]:
        """Every weekend day worked in exchange, named like 春节调休上班."""
        days = {
            day: holiday.working_day_name
            for holiday in self.holidays
            for day in holiday.working_days
        }
        return dict(sorted(days.items()))


def parse_notice(text: str) -> Arrangement:
    """The arrangement the notice `text` gives, or NoticeError naming what is wrong."""
    lines = [_normalise(line) for line in text.splitlines()]
    year = _year(lines)
    holidays = [
        _holiday(match[1], match[2], number, year)
        for number, line in enumerate(lines, start=1)
        if (match := _HOLIDAY_LINE.match(line))
    ]
    if not holidays:
        raise NoticeError(
            _(
                "No holiday found. The notice gives one line per holiday, like "
                "“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。”"
            ),
            code="no_holiday",
        )
    _check_no_overlap(holidays)
    return Arrangement(year, tuple(holidays))


# Every notice gives a line to each statutory holiday (全国年节及纪念日放假办法), two
# sharing one line when they meet ("国庆节、中秋节"). A text missing one is not the
# whole notice, and entering it would confirm the year with that holiday unknown.
STATUTORY_HOLIDAYS = ("元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆")


def check_complete(arrangement: Arrangement) -> None:
    """Raise NoticeError unless the arrangement names every statutory holiday."""
    named = "".join(holiday.name for holiday in arrangement.holidays)
    if missing := [name for name in STATUTORY_HOLIDAYS if name not in named]:
        raise NoticeError(
            _(
                "The notice has no line for %(missing)s. Paste the whole notice: it gives "
                "one line to each statutory holiday."
            )
            % {"missing": "、".join(missing)},
            code="incomplete",
        )


def _normalise(line: str) -> str:
    """Half-width punctuation and digits, no spaces: （ → (, ： → :, ， → ,, 。 → ."""
    line = unicodedata.normalize("NFKC", line).replace("。", ".").replace("．", ".")
    return re.sub(r"\s+", "", line)


def _year(lines: list[str]) -> int:
    text = "\n".join(lines)
    if found := _TITLE_YEAR.search(text) or _LOOSE_YEAR.search(text):
        year = int(found[1])
        if not EARLIEST.year <= year <= LATEST.year:
            raise NoticeError(
                _("The notice is for %(year)d: only %(first)d to %(last)d can be entered.")
                % {"year": year, "first": EARLIEST.year, "last": LATEST.year},
                code="year_out_of_range",
            )
        return year
    raise NoticeError(
        _(
            "No year found. Paste the whole notice, from its title "
            "(国务院办公厅关于<year>年部分节假日安排的通知) to its last holiday."
        ),
        code="no_year",
    )


def _holiday(name: str, body: str, line: int, year: int) -> Holiday:
    # December dates of a line that reaches January lie in the year before.
    where = {"line": line, "holiday": name, "rolls": bool(re.search(r"(?<!\d)1月", body))}
    days_off, working_days = None, []
    for sentence in body.split("."):
        if keyword := _days_off_keyword(sentence):
            days_off = _days_off(sentence, keyword, where, year)
            # "…放假调休,共7天,9月20日(周日)、10月10日(周六)上班": one sentence for both.
            rest = sentence.partition(keyword)[2]
            if "上班" in rest:
                working_days += _dates(rest.partition("上班")[0], where, year)
        elif "上班" in sentence:
            working_days += _dates(sentence, where, year)
    if days_off is None:
        raise NoticeError(
            _("Line %(line)d (%(holiday)s): no days off found (such as “1月1日至3日放假”).")
            % where,
            code="no_days_off",
        )
    first, last = days_off
    holiday = Holiday(name, line, first, last, tuple(sorted(working_days)))
    for day in holiday.working_days:
        if first <= day <= last:
            raise NoticeError(
                _("Line %(line)d (%(holiday)s): %(date)s is both a day off and a working day.")
                % {**where, "date": _chinese(day)},
                code="off_and_working",
            )
    return holiday


def _days_off_keyword(sentence: str) -> str | None:
    """What marks the days off: "放假", or "连休" alone ("6月10日与周末连休", 2024)."""
    for keyword in ("放假", "连休"):
        if keyword in sentence:
            return keyword
    return None


def _days_off(sentence: str, keyword: str, where: dict, year: int) -> tuple[dt.date, dt.date]:
    dates = _dates(sentence.partition(keyword)[0], where, year)
    if not dates:
        raise NoticeError(
            _("Line %(line)d (%(holiday)s): no date before “放假”.") % where, code="no_days_off"
        )
    first, last = dates[0], dates[-1]
    if last < first:
        raise NoticeError(
            _(
                "Line %(line)d (%(holiday)s): the days off end on %(last)s, "
                "before they start on %(first)s."
            )
            % {**where, "first": _chinese(first), "last": _chinese(last)},
            code="reversed",
        )
    counted = (last - first).days + 1
    if (said := _DAYS_COUNT.search(sentence)) and int(said[1]) != counted:
        raise NoticeError(
            _(
                "Line %(line)d (%(holiday)s): the notice says %(said)s days off, but "
                "%(first)s to %(last)s is %(counted)d days."
            )
            % {
                **where,
                "said": said[1],
                "first": _chinese(first),
                "last": _chinese(last),
                "counted": counted,
            },
            code="count",
        )
    return first, last


def _dates(text: str, where: dict, year: int) -> list[dt.date]:
    """The dates written in `text`, in order. A date without a month takes the previous
    one's ("1月1日至3日"); December dates in a line that reaches January lie in the year
    before ("12月30日至1月1日", where["rolls"])."""
    found, month = [], None
    for match in _DATE.finditer(text):
        written_year, written_month, day, brackets = match.groups()
        if written_month:
            month = int(written_month)
        elif month is None:
            raise NoticeError(
                _("Line %(line)d (%(holiday)s): “%(text)s” has no month.")
                % {**where, "text": match[0]},
                code="no_month",
            )
        found.append((int(written_year) if written_year else None, month, int(day), brackets))
    dates = []
    for written_year, month, day, brackets in found:
        in_year = written_year or (year - 1 if month == 12 and where["rolls"] else year)
        try:
            date = dt.date(in_year, month, day)
        except ValueError:
            raise NoticeError(
                _("Line %(line)d (%(holiday)s): %(month)d月%(day)d日 does not exist.")
                % {**where, "month": month, "day": day},
                code="no_such_date",
            ) from None
        if not (year - 1 <= date.year <= year):
            raise NoticeError(
                _("Line %(line)d (%(holiday)s): %(date)s is not in %(year)d.")
                % {**where, "date": _chinese(date), "year": year},
                code="wrong_year",
            )
        _check_weekday(date, brackets or "", where)
        dates.append(date)
    return dates


def _check_weekday(date: dt.date, brackets: str, where: dict) -> None:
    """A weekday in brackets, like （农历腊月二十八、周日）, must be the date's."""
    if written := _WRITTEN_WEEKDAY.search(brackets):
        said = WEEKDAYS.index("日" if written[1] == "天" else written[1])
        if said != date.weekday():
            raise NoticeError(
                _(
                    "Line %(line)d (%(holiday)s): %(date)s is a 周%(actual)s, "
                    "not a 周%(written)s as written."
                )
                % {
                    **where,
                    "date": _chinese(date),
                    "actual": WEEKDAYS[date.weekday()],
                    "written": WEEKDAYS[said],
                },
                code="weekday",
            )


def _check_no_overlap(holidays: list[Holiday]) -> None:
    """No day may belong to two holidays, nor be off in one and worked in another."""
    claimed: dict[dt.date, Holiday] = {}
    for holiday in holidays:
        for day in (*holiday.days_off, *holiday.working_days):
            if (other := claimed.get(day)) and other is not holiday:
                raise NoticeError(
                    _(
                        "Lines %(first)d (%(first_holiday)s) and %(second)d "
                        "(%(second_holiday)s) both give %(date)s."
                    )
                    % {
                        "first": other.line,
                        "first_holiday": other.name,
                        "second": holiday.line,
                        "second_holiday": holiday.name,
                        "date": _chinese(day),
                    },
                    code="overlap",
                )
            claimed[day] = holiday


def _chinese(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
