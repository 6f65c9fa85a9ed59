"""The rota follows the hours (desks.rota.reconcile): every change of the hours, once
committed, cancels, moves, restores or adds the planned slots, and workers are told."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.models import (
    Absence,
    Assignment,
    CalendarDay,
    DateOverride,
    DutySlot,
    HolidayRule,
    Role,
    RotaMonth,
    User,
    WeeklyWindow,
)
from desks.rota import comp_time
from desks.rota.duty import RotaError, assign, check_in, confirm_served, make_slots
from desks.rota.planning import generate_month, publish
from desks.rota.reconcile import reconcile, reconcile_scopes
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOVEMBER = dt.date(2026, 11, 1)
DECEMBER = dt.date(2026, 12, 1)
YESTERDAY = dt.date(2026, 11, 23)
TODAY = dt.date(2026, 11, 24)
TOMORROW = dt.date(2026, 11, 25)  # a Wednesday: 18:00–20:00
THURSDAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what happens after the commit (reconciling) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def third(community):
    return make_user(community=community, username="third")


@pytest.fixture
def published(community, head, worker, colleague, third):
    """November's rota, generated on the morning of the 24th and published."""
    publish(generate_month(community, NOVEMBER, NOW).rota_month, head, NOW)
    return community


def slot_on(community, day, **filters) -> DutySlot:
    return DutySlot.objects.get(community=community, date=day, **filters)


def workers_on(slot) -> set[str]:
    return set(slot.assignments.values_list("worker__username", flat=True))


def calendar_link(client, user) -> str:
    client.force_login(user)
    client.post(reverse("desks:renew_calendar_link"))
    return user.calendar_link.token


def test_a_closure_saved_in_the_admin_cancels_tomorrows_slot_and_its_workers_are_told(
    client, published, office, head, committed
):
    slot = slot_on(published, TOMORROW)
    team = workers_on(slot)
    on_duty = Assignment.objects.filter(slot=slot).select_related("worker").first().worker
    token = calendar_link(client, on_duty)
    client.force_login(office)
    add = reverse("admin:desks_dateoverride_add")
    with committed():
        answer = client.post(
            add, {"community": published.pk, "date": "2026-11-25", "reason": "台风停止开放"}
        )
    assert answer.status_code == 302

    slot.refresh_from_db()
    assert slot.is_cancelled and slot.cancel_reason == "台风停止开放"
    assert workers_on(slot) == team and len(team) == 2  # kept, so that they can be told
    assert slot.shortfall == 0

    client.force_login(on_duty)
    page = client.get(reverse("desks:me")).text
    assert "Cancelled" in page and "台风停止开放" in page and "<del" in page
    feed = client.get(reverse("desks:my_calendar", args=[token])).text
    assert f"UID:duty-{slot.pk}-{on_duty.pk}@servicedesk" in feed
    assert "STATUS:CANCELLED" in feed and "SEQUENCE:1" in feed

    client.force_login(head)
    assert "The rota matches the opening hours." in client.get(reverse("desks:rota_conflicts")).text


def test_removing_the_closure_restores_the_slot_with_its_workers(published, committed):
    slot = slot_on(published, TOMORROW)
    team = workers_on(slot)
    with committed():
        closure = DateOverride.objects.create(community=published, date=TOMORROW, reason="停电")
    with committed():
        closure.delete()
    slot.refresh_from_db()
    assert not slot.is_cancelled and slot.cancel_reason == ""
    assert workers_on(slot) == team
    assert slot.sequence == 2  # cancelled, then restored: phones take the newest


def test_changed_hours_move_the_slot_and_its_assignments(client, published, committed):
    slot = slot_on(published, TOMORROW)
    on_duty = slot.assignments.select_related("worker").first().worker
    token = calendar_link(client, on_duty)
    with committed():
        DateOverride.objects.create(
            community=published,
            date=TOMORROW,
            start=dt.time(17),
            end=dt.time(21),
            reason="社区活动延长",
        )
    slot.refresh_from_db()
    assert (slot.starts_at, slot.ends_at) == (at(2026, 11, 25, 17), at(2026, 11, 25, 21))
    assert slot.is_moved and not slot.is_cancelled
    assert {(a.starts_at, a.ends_at) for a in slot.assignments.all()} == {
        (slot.starts_at, slot.ends_at)
    }
    assert slot.assignments.count() == 2

    page = client.get(reverse("desks:me")).text
    assert "Time changed" in page and "17:00–21:00" in page
    feed = client.get(reverse("desks:my_calendar", args=[token])).text
    assert f"UID:duty-{slot.pk}-{on_duty.pk}@servicedesk" in feed
    assert "DTSTART;TZID=Asia/Shanghai:20261125T170000" in feed
    assert "SEQUENCE:1" in feed and "STATUS:CANCELLED" not in feed


def test_a_move_that_would_double_book_a_worker_takes_them_off_and_the_head_sees_it(
    client, published, head, neighbour, committed
):
    slot = slot_on(published, TOMORROW)
    lent = slot.assignments.select_related("worker").first().worker
    # The worker is also lent to the neighbour's late window, 20:00–21:00 tomorrow.
    with committed():  # each admin save commits on its own
        DateOverride.objects.create(
            community=neighbour, date=TOMORROW, start=dt.time(20), end=dt.time(21), reason="夜场"
        )
    late = make_slots(neighbour, TOMORROW, TOMORROW)[0]
    # A second slot that day needs an override (desks.rota.rules): the street office's.
    office = make_user(Role.OFFICE, street_office=neighbour.street_office)
    assign(late, lent, lent_by=head, override_reason="夜场缺人", by=office)

    with committed():
        DateOverride.objects.create(
            community=published, date=TOMORROW, start=dt.time(18), end=dt.time(21), reason="延长"
        )
    slot.refresh_from_db()
    assert slot.ends_at == at(2026, 11, 25, 21)
    assert lent.username not in workers_on(slot) and len(workers_on(slot)) == 1
    assert slot.clashes[0]["worker_id"] == lent.pk
    assert workers_on(late) == {lent.username}  # the other duty stands

    client.force_login(head)
    page = client.get(reverse("desks:rota_conflicts")).text
    assert "taken off (already on duty then)" in page and lent.display_name in page
    assert "1 missing" in page


def test_a_new_window_in_a_published_month_gets_an_unfilled_slot_shown_to_the_head(
    client, published, head, committed
):
    with committed():
        for start, end in ((dt.time(9), dt.time(11)), (dt.time(18), dt.time(20))):
            DateOverride.objects.create(
                community=published, date=TOMORROW, start=start, end=end, reason="义诊"
            )
    morning = slot_on(published, TOMORROW, starts_at=at(2026, 11, 25, 9))
    assert morning.assignments.count() == 0 and morning.added_at == NOW
    evening = slot_on(published, TOMORROW, starts_at=at(2026, 11, 25, 18))
    assert evening.assignments.count() == 2 and not evening.is_moved

    client.force_login(head)
    page = client.get(reverse("desks:rota_conflicts")).text
    assert "New opening window after publishing: 2 missing." in page
    assert "09:00–11:00" in page

    # The head staffs it: the conflict goes away.
    for worker in Assignment.objects.filter(slot=evening).values_list("worker", flat=True):
        Assignment.objects.filter(slot=evening, worker=worker).delete()
        assign(morning, User.objects.get(pk=worker))
    assert "The rota matches the opening hours." in client.get(reverse("desks:rota_conflicts")).text


def test_a_slot_that_has_started_is_not_cancelled_but_listed_for_the_head(
    client, clock, published, head, committed
):
    clock.stop_at(at(2026, 11, 24, 18, 30))
    tonight = slot_on(published, TODAY)
    with committed():
        DateOverride.objects.create(community=published, date=TODAY, reason="临时停电")
    tonight.refresh_from_db()
    assert not tonight.is_cancelled

    client.force_login(head)
    page = client.get(reverse("desks:rota_conflicts")).text
    assert "No longer open (临时停电)" in page and "18:00–20:00" in page


def test_a_slot_served_early_is_not_moved(clock, published, committed):
    clock.stop_at(at(2026, 11, 25, 17, 40))
    slot = slot_on(published, TOMORROW)
    check_in(slot.assignments.select_related("slot").first(), at(2026, 11, 25, 17, 40))
    with committed():
        DateOverride.objects.create(
            community=published, date=TOMORROW, start=dt.time(19), end=dt.time(21), reason="推迟"
        )
    slot.refresh_from_db()
    assert slot.starts_at == at(2026, 11, 25, 18) and not slot.is_moved


def test_nothing_before_today_changes(published, committed):
    before = slot_on(published, YESTERDAY)
    with committed():
        DateOverride.objects.create(community=published, date=YESTERDAY, reason="补录")
    assert not slot_on(published, YESTERDAY).is_cancelled
    assert slot_on(published, YESTERDAY).sequence == before.sequence


def test_a_cancelled_slot_cannot_be_checked_in_or_confirmed_and_earns_no_comp_time(
    client, clock, published, head, committed
):
    with committed():
        DateOverride.objects.create(community=published, date=TOMORROW, reason="台风停止开放")
    assignment = Assignment.objects.filter(slot__date=TOMORROW).select_related("slot").first()
    worker = assignment.worker
    clock.stop_at(at(2026, 11, 25, 18, 5))

    with pytest.raises(RotaError, match="cancelled: 台风停止开放"):
        check_in(assignment, at(2026, 11, 25, 18, 5))
    client.force_login(worker)
    answer = client.post(reverse("desks:check_in", args=[assignment.pk]))
    assert answer.status_code == 302
    clock.stop_at(at(2026, 11, 25, 21))
    with pytest.raises(RotaError, match="cancelled"):
        confirm_served(assignment, head, at(2026, 11, 25, 21))

    assignment.refresh_from_db()
    assert assignment.checked_in_at is None and assignment.confirmed_by is None
    assert comp_time.balance(worker).accrued == 0
    client.force_login(head)
    page = client.get(reverse("desks:rota")).text
    assert "Confirm served" in page  # earlier evenings nobody checked in to are listed…
    assert reverse("desks:confirm_served", args=[assignment.pk]) not in page  # …not this one


def test_at_the_desk_a_worker_whose_duty_tonight_was_cancelled_is_told_instead_of_checking_in(
    client, clock, published, committed
):
    with committed():
        DateOverride.objects.create(community=published, date=TOMORROW, reason="台风停止开放")
    assignment = Assignment.objects.filter(slot__date=TOMORROW).select_related("worker").first()
    clock.stop_at(at(2026, 11, 25, 17, 50))
    client.force_login(assignment.worker)
    page = client.get(reverse("desks:home")).text
    assert "Your duty today is cancelled" in page and "台风停止开放" in page
    assert reverse("desks:check_in", args=[assignment.pk]) not in page
    assert "11/26" in page  # the next real slot is the one shown


def test_a_street_office_closure_reaches_every_community(
    street_office, published, neighbour, committed
):
    head = make_user(Role.HEAD, community=neighbour)
    for n in (1, 2):
        make_user(community=neighbour, username=f"n{n}")
    publish(generate_month(neighbour, NOVEMBER, NOW).rota_month, head, NOW)
    with committed():
        DateOverride.objects.create(street_office=street_office, date=TOMORROW, reason="全街道培训")
    for community in (published, neighbour):
        slot = slot_on(community, TOMORROW)
        assert slot.is_cancelled and slot.cancel_reason == "全街道培训"


def test_moving_an_override_to_another_date_reconciles_both_dates(published, committed):
    with committed():
        closure = DateOverride.objects.create(community=published, date=TOMORROW, reason="停水")
    closure.date = THURSDAY
    with committed():
        closure.save()
    assert not slot_on(published, TOMORROW).is_cancelled
    assert slot_on(published, THURSDAY).is_cancelled


def test_a_weekly_pattern_of_one_evening_cancels_the_other_evenings(published, committed):
    with committed():
        WeeklyWindow.objects.create(
            community=published, weekday=TOMORROW.weekday(), start=dt.time(18), end=dt.time(20)
        )
    assert not slot_on(published, TOMORROW).is_cancelled
    assert slot_on(published, THURSDAY).is_cancelled
    assert slot_on(published, dt.date(2026, 11, 28)).is_cancelled  # Saturday


def test_a_calendar_correction_follows_the_holiday_rule_and_so_does_a_change_of_the_rule(
    street_office, published, committed
):
    with committed():
        CalendarDay.objects.create(date=THURSDAY, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    thursday = slot_on(published, THURSDAY)
    assert thursday.is_cancelled and thursday.cancel_reason == "测试假日"

    street_office.holiday_rule = HolidayRule.WEEKEND_HOURS
    with committed():
        street_office.save()
    opened = slot_on(published, THURSDAY, cancelled_at__isnull=True)
    assert (opened.starts_at, opened.ends_at) == (at(2026, 11, 26, 8), at(2026, 11, 26, 16))
    assert opened.kind == "weekend" and opened.added_at == NOW


def test_renaming_a_street_office_does_not_reconcile(street_office, published, committed):
    street_office.name = "和平街道办事处"
    with committed() as callbacks:
        street_office.save()
    assert not [c for c in callbacks if getattr(c, "func", None) is reconcile_scopes]


def test_a_draft_month_is_generated_again_so_a_new_window_is_staffed(
    community, worker, colleague, third, committed
):
    generate_month(community, DECEMBER, NOW)
    with committed():
        DateOverride.objects.create(
            community=community,
            date=dt.date(2026, 12, 2),
            start=dt.time(9),
            end=dt.time(11),
            reason="义诊",
        )
    old = slot_on(community, dt.date(2026, 12, 2), starts_at=at(2026, 12, 2, 18))
    new = slot_on(community, dt.date(2026, 12, 2), starts_at=at(2026, 12, 2, 9))
    assert old.is_cancelled and old.assignments.count() == 0
    assert new.assignments.count() == 2 and new.added_at is None


def test_an_unplanned_month_is_left_alone(community, committed):
    with committed():
        DateOverride.objects.create(community=community, date=TOMORROW, reason="停电")
    assert not DutySlot.objects.exists()


def test_reconciling_twice_changes_nothing_more(published):
    DateOverride.objects.create(community=published, date=TOMORROW, reason="停电")
    first = reconcile(published, TODAY, dt.date(2026, 11, 30), NOW)
    assert [slot.date for slot in first.cancelled] == [TOMORROW]
    assert not reconcile(published, TODAY, dt.date(2026, 11, 30), NOW)


def test_generation_skips_a_cancelled_slot(community, worker, colleague, third, committed):
    generate_month(community, DECEMBER, NOW)
    with committed():
        DateOverride.objects.create(community=community, date=dt.date(2026, 12, 3), reason="停电")
    result = generate_month(community, DECEMBER, NOW)
    assert all(not slot.is_cancelled for slot in result.slots)
    assert not Assignment.objects.filter(slot__cancelled_at__isnull=False).exists()


def test_one_transaction_that_changes_many_dates_reconciles_once_after_its_commit(
    published, django_capture_on_commit_callbacks
):
    """Entering a year's notice saves dozens of calendar days in one transaction: the
    rota is reconciled once, over every date they touch, not once per row."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for day in (TOMORROW, TOMORROW + dt.timedelta(days=1)):
            DateOverride.objects.create(community=published, date=day, reason="停电")
    reconciling = [callback for callback in callbacks if hasattr(callback, "scopes")]
    assert len(reconciling) == 1 and len(reconciling[0].scopes) == 2
    for day in (TOMORROW, TOMORROW + dt.timedelta(days=1)):
        assert slot_on(published, day).is_cancelled


def test_the_admins_month_table_strikes_a_cancelled_slot_through_with_its_reason(
    client, published, head, committed
):
    with committed():
        DateOverride.objects.create(community=published, date=TOMORROW, reason="停电检修")
    rota_month = RotaMonth.objects.get(community=published, month=dt.date(2026, 11, 1))
    client.force_login(head)
    page = client.get(reverse("admin:desks_rotamonth_change", args=[rota_month.pk])).text
    assert "<del>18:00–20:00</del> · <strong>Cancelled</strong>: 停电检修" in page


def test_leave_recorded_after_the_rota_was_made_is_a_conflict_until_resolved(
    client, published, head, django_assert_num_queries
):
    slot = slot_on(published, TOMORROW)
    on_it = list(slot.assignments.select_related("worker"))
    away = on_it[0].worker
    client.force_login(head)
    with CaptureQueriesContext(connection) as none_away:
        assert "is on leave" not in client.get(reverse("desks:rota_conflicts")).text

    Absence.objects.create(
        worker=away, first_day=TOMORROW, last_day=THURSDAY, kind=Absence.Kind.LEAVE, reason="病假"
    )
    Absence.objects.create(
        worker=on_it[1].worker,
        first_day=THURSDAY,
        last_day=THURSDAY,
        kind=Absence.Kind.UNAVAILABLE,
        reason="培训",
    )
    with django_assert_num_queries(len(none_away.captured_queries)):
        page = client.get(reverse("desks:rota_conflicts")).text
    assert f"{away.display_name} is on leave on 2026-11-25. Find a stand-in" in page

    # The head keeps them on with a reason: no longer a conflict for that slot.
    Assignment.objects.filter(pk=on_it[0].pk).update(
        overridden_by=head, overridden_at=NOW, override_reason="本人同意值班"
    )
    page = client.get(reverse("desks:rota_conflicts")).text
    assert f"{away.display_name} is on leave on 2026-11-25" not in page
