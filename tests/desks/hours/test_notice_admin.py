"""Entering a year's holiday arrangement in the admin: paste, check, confirm; and the
warnings shown until the coming months' arrangement is entered."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from desks.hours import DayKind, has_official_arrangement, open_windows
from desks.models import (
    CalendarDay,
    HolidayArrangement,
    Weekday,
    WeeklyWindow,
    WorkingWeekendRule,
)
from tests.clock import TUESDAY_MORNING, at
from tests.factories import make_community

pytestmark = pytest.mark.django_db

NOTICE_2026 = (Path(__file__).parent / "notices" / "2026.txt").read_text(encoding="utf-8").strip()
ADD = reverse("admin:desks_holidayarrangement_add")

# Invented for the tests: 2027's notice is not published yet. Its 劳动节 gives three days
# off, where the library guesses five (5月3日、4日 补假).
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初六、周四）放假调休，共7天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至3日（周一）放假，共3天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def stored():
    """Everything entering a notice may change, to compare before and after."""
    return (
        list(CalendarDay.objects.values_list("date", "kind", "name").order_by("date")),
        list(HolidayArrangement.objects.values_list("year", "notice", "confirmed_by")),
    )


@pytest.fixture
def staff(client, clock, office):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(office)
    return client


def test_the_office_is_asked_to_paste_the_notice(staff):
    response = staff.get(ADD)
    assert response.status_code == 200
    assert b'<textarea name="notice"' in response.content


def test_reading_a_notice_shows_its_calendar_and_stores_nothing(staff):
    response = staff.post(ADD, {"notice": NOTICE_2026})
    assert response.status_code == 200
    assert response.templates[0].name == "admin/desks/holidayarrangement/confirm.html"
    months = response.context["months"]
    assert [month["first"] for month in months] == [
        dt.date(2026, month, 1) for month in (1, 2, 4, 5, 6, 9, 10)
    ]
    october = {cell["date"]: cell["proposed"] for week in months[-1]["weeks"] for cell in week}
    assert october[dt.date(2026, 10, 4)].name == "国庆节"
    assert october[dt.date(2026, 10, 10)].kind == CalendarDay.Kind.WORKDAY
    assert october[dt.date(2026, 10, 12)] is None
    content = response.content.decode()
    assert 'class="holiday">4<small>国庆节</small>' in content
    assert "2026-02-15 – 2026-02-23" in content
    assert 'type="hidden" name="notice"' in content
    assert 'name="replace"' not in content  # nothing stored to replace
    assert stored() == ([], [])


def test_confirming_enters_every_day_off_and_make_up_day_in_one_step(staff, office):
    response = staff.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert response.status_code == 302
    assert response.url == reverse("admin:desks_holidayarrangement_changelist")
    days = {day.date: (day.kind, day.name) for day in CalendarDay.objects.all()}
    assert len(days) == 33 + 6
    assert days[dt.date(2026, 10, 4)] == (CalendarDay.Kind.HOLIDAY, "国庆节")
    assert days[dt.date(2026, 2, 15)] == (CalendarDay.Kind.HOLIDAY, "春节")
    assert days[dt.date(2026, 2, 28)] == (CalendarDay.Kind.WORKDAY, "春节调休上班")
    arrangement = HolidayArrangement.objects.get()
    assert (arrangement.year, arrangement.notice, arrangement.confirmed_by) == (
        2026,
        NOTICE_2026,
        office,
    )
    assert arrangement.confirmed_at == TUESDAY_MORNING


def test_corrections_that_differ_are_listed_and_kept_unless_replacement_is_ticked(staff):
    CalendarDay.objects.create(date=dt.date(2026, 10, 8), kind="holiday", name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 1, 1), kind="holiday", name="New Year")
    CalendarDay.objects.create(date=dt.date(2026, 1, 2), kind="holiday", name="元旦")  # agrees
    before = stored()

    shown = staff.post(ADD, {"notice": NOTICE_2026})
    assert [entry.correction.date for entry in shown.context["replaced"]] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 10, 8),
    ]
    assert "替换这2条更正" in shown.content.decode()

    refused = staff.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert refused.status_code == 200
    assert "替换之前录入的2条更正" in refused.content.decode()
    assert stored() == before

    staff.post(ADD, {"notice": NOTICE_2026, "confirm": "1", "replace": "on"})
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 8)).exists()
    assert CalendarDay.objects.get(date=dt.date(2026, 1, 1)).name == "元旦"
    assert HolidayArrangement.objects.filter(year=2026).exists()


def test_corrections_of_other_years_are_left_alone(staff):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    staff.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()


def test_a_year_entered_before_may_be_entered_again(staff, office):
    HolidayArrangement.objects.create(year=2026, notice="old", confirmed_at=at(2025, 11, 5))
    shown = staff.post(ADD, {"notice": NOTICE_2026})
    assert shown.context["already_entered"].notice == "old"
    staff.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    arrangement = HolidayArrangement.objects.get()
    assert (arrangement.notice, arrangement.confirmed_by) == (NOTICE_2026, office)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", None),
        ("各位居民：中心本周六照常开放，欢迎前来办事。", "未找到年份"),
        (
            "国务院办公厅关于2026年部分节假日安排的通知\n二、春节：2月30日至3月2日放假。",
            "2月30日不存在",
        ),
        (
            "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假，共3天。",
            "通知中没有春节、清明、劳动节、端午、中秋、国庆的安排",
        ),
        ("关于9999年部分节假日安排\n一、元旦：12月31日放假", "只能录入2000至2099年的安排"),
    ],
)
def test_text_that_is_not_a_notice_is_shown_again_with_why(staff, text, message):
    CalendarDay.objects.create(date=dt.date(2026, 10, 8), kind="holiday", name="国庆节")
    before = stored()
    for step in ({}, {"confirm": "1", "replace": "on"}):
        response = staff.post(ADD, {"notice": text, **step})
        assert response.status_code == 200
        assert response.templates[0].name == "admin/desks/holidayarrangement/paste.html"
        assert response.context["form"].errors["notice"]
        if message:
            assert message in response.content.decode()
        assert stored() == before


def test_a_notice_altered_between_the_steps_is_read_again(staff):
    """The confirm step trusts only the text it is sent, parsed again."""
    altered = NOTICE_2026.replace("10月1日（周四）至7日（周三）", "10月1日（周四）至8日（周三）")
    response = staff.post(ADD, {"notice": altered, "confirm": "1"})
    assert response.status_code == 200
    assert "2026年10月8日是周四，不是通知所写的周三" in response.content.decode()
    assert stored() == ([], [])


def test_entering_a_provisional_year_makes_its_days_official(staff):
    guessed = dt.date(2027, 5, 4)  # a library guess (劳动节补假) the notice does not give
    assert not has_official_arrangement(2027)
    staff.post(ADD, {"notice": NOTICE_2027, "confirm": "1"})
    assert has_official_arrangement(2027)
    community = make_community()
    first = open_windows(community, dt.date(2027, 1, 3))
    assert (first.kind, first.note, first.provisional) == (DayKind.HOLIDAY, "元旦", False)
    assert open_windows(community, guessed).kind == DayKind.REGULAR
    assert open_windows(community, guessed).windows
    assert open_windows(community, dt.date(2027, 5, 8)).kind == DayKind.WORKING_WEEKEND


def test_a_head_of_community_may_not_change_the_national_calendar(client, clock, head):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(head)
    assert client.get(ADD).status_code == 403
    response = client.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert response.status_code == 403
    assert client.get(reverse("admin:desks_holidayarrangement_changelist")).status_code == 403
    assert stored() == ([], [])


def test_a_duty_worker_is_sent_to_the_admin_login(client, worker):
    client.force_login(worker)
    response = client.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert stored() == ([], [])


def test_logged_out_people_are_sent_to_the_login(client, db):
    response = client.post(ADD, {"notice": NOTICE_2026, "confirm": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert stored() == ([], [])


def test_the_form_rejects_a_post_without_its_csrf_token(clock, office):
    clock.stop_at(TUESDAY_MORNING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    assert client.post(ADD, {"notice": NOTICE_2026, "confirm": "1"}).status_code == 403
    assert stored() == ([], [])


# Warnings until the coming months' arrangement is entered (TUESDAY_MORNING is in late
# November 2026: 2027's is not known).


def test_the_admin_home_warns_of_a_missing_arrangement_with_a_link_to_enter_it(staff):
    content = staff.get(reverse("admin:index")).content.decode()
    assert 'id="holiday-warning"' in content
    assert "2027年的节假日安排尚未录入" in content
    assert f'href="{ADD}"' in content


def test_the_warning_ends_once_the_year_is_entered(staff):
    staff.post(ADD, {"notice": NOTICE_2027, "confirm": "1"})
    assert 'id="holiday-warning"' not in staff.get(reverse("admin:index")).content.decode()


def test_the_admin_home_warns_a_head_without_a_link_they_may_not_follow(client, clock, head):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(head)
    content = client.get(reverse("admin:index")).content.decode()
    assert "2027年的节假日安排尚未录入" in content
    assert f'href="{ADD}"' not in content


def test_the_admin_home_is_quiet_when_the_coming_months_are_known(client, clock, office):
    clock.stop_at(at(2026, 5, 1, 10))
    client.force_login(office)
    assert 'id="holiday-warning"' not in client.get(reverse("admin:index")).content.decode()


def test_the_change_lists_warn_with_the_same_link(staff):
    response = staff.get(reverse("admin:desks_calendarday_changelist"), follow=True)
    assert f'href="{ADD}"' in response.content.decode()


def test_the_rota_generation_page_warns_too(staff):
    content = staff.get(reverse("admin:desks_rotamonth_generate")).content.decode()
    assert 'id="holiday-warning"' in content
    assert f'href="{ADD}"' in content


def test_generating_a_provisional_month_says_to_regenerate_it_later(
    client, clock, head, worker, colleague
):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_rotamonth_generate"),
        {"community": head.community.pk, "month": "2027-01"},
        follow=True,
    )
    content = response.content.decode()
    assert "2027-01的节假日为暂定" in content
    assert "录入后请重新生成" in content


def test_generating_a_confirmed_month_says_nothing_of_provisional_holidays(
    client, clock, head, worker, colleague
):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_rotamonth_generate"),
        {"community": head.community.pk, "month": "2026-12"},
        follow=True,
    )
    assert "的节假日为暂定（" not in response.content.decode()


# The street office's rule for weekend days worked in exchange (调休上班日).


def street_office_form(street_office, **changes):
    return {
        "phone": street_office.phone,
        "holiday_rule": street_office.holiday_rule,
        "working_weekend_rule": street_office.working_weekend_rule,
        "comp_ratio_weekend": street_office.comp_ratio_weekend,
        "comp_ratio_evening": street_office.comp_ratio_evening,
        "weekly_windows-TOTAL_FORMS": "0",
        "weekly_windows-INITIAL_FORMS": "0",
        "weekly_windows-MIN_NUM_FORMS": "0",
        "weekly_windows-MAX_NUM_FORMS": "1000",
        **changes,
    }


def test_the_street_office_form_shows_the_working_weekend_rule_by_the_holiday_rule(
    staff, street_office
):
    response = staff.get(reverse("admin:desks_streetoffice_change", args=[street_office.pk]))
    content = response.content.decode()
    assert content.index('name="holiday_rule"') < content.index('name="working_weekend_rule"')
    assert "有自己每周开放安排的社区，请选择当天如何开放。" in content
    listing = staff.get(reverse("admin:desks_streetoffice_changelist")).content.decode()
    assert "column-working_weekend_rule" in listing


def test_the_office_chooses_what_a_one_evening_centre_does_on_a_working_sunday(
    staff, street_office, community
):
    for weekday, start, end in ((Weekday.WEDNESDAY, 18, 20), (Weekday.SUNDAY, 9, 12)):
        WeeklyWindow.objects.create(
            community=community, weekday=weekday, start=dt.time(start), end=dt.time(end)
        )
    working_sunday = dt.date(2026, 1, 4)  # 元旦调休上班
    assert open_windows(community, working_sunday).windows == ()  # like most weekdays

    response = staff.post(
        reverse("admin:desks_streetoffice_change", args=[street_office.pk]),
        street_office_form(street_office, working_weekend_rule=WorkingWeekendRule.WEEKEND),
    )
    assert response.status_code == 302
    street_office.refresh_from_db()
    assert street_office.working_weekend_rule == WorkingWeekendRule.WEEKEND
    community.refresh_from_db()
    hours = open_windows(community, working_sunday)
    assert hours.kind == DayKind.WORKING_WEEKEND
    assert [str(window) for window in hours.windows] == ["09:00–12:00"]


def test_the_office_may_not_rename_its_street_office(staff, street_office):
    staff.post(
        reverse("admin:desks_streetoffice_change", args=[street_office.pk]),
        street_office_form(street_office, name="改名街道", slug="renamed"),
    )
    street_office.refresh_from_db()
    assert street_office.name == "和平街道"
    assert street_office.slug != "renamed"


def test_another_offices_staff_may_not_change_its_rule(client, clock, other_office, street_office):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(other_office)
    response = client.post(
        reverse("admin:desks_streetoffice_change", args=[street_office.pk]),
        street_office_form(street_office, working_weekend_rule=WorkingWeekendRule.CLOSED),
    )
    assert response.status_code == 404
    street_office.refresh_from_db()
    assert street_office.working_weekend_rule == WorkingWeekendRule.WEEKDAY


def test_a_head_may_not_change_the_street_offices_rule(client, clock, head, street_office):
    clock.stop_at(TUESDAY_MORNING)
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_streetoffice_change", args=[street_office.pk]),
        street_office_form(street_office, working_weekend_rule=WorkingWeekendRule.CLOSED),
    )
    assert response.status_code in (403, 404)
    street_office.refresh_from_db()
    assert street_office.working_weekend_rule == WorkingWeekendRule.WEEKDAY
