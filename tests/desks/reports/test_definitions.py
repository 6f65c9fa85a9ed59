"""Each definition of the report (docs/reports.md) on a hand-counted month.

October 2026 at 和平社区, the usual hours (weekday evenings 18–20, weekends 8–16;
closed on the National Day holiday, 10/1–10/7), the report made on Thu 10/29 at noon:

slots   A Thu 10/15 18–20   held, staffed            2 h
        B Sat 10/17 08–16   held                     8 h
        C Fri 10/16 18–20   cancelled: not planned
        D Fri 10/2  18–20   left on a holiday: planned, not held
        E Thu 10/29 18–20   not over yet: planned, not held
        → planned 4 (14 h), held 2 (10 h), staffed 1

requests (10; 9 in slots, 1 outside)     rating   call-back
   1 done                  resolved       5
   2 answered              resolved       4
   3 answered              resolved       3
   4 accepted, closed      resolved       2        closed on its due date
   5 accepted, open        -              1        closed a day late
   6 referred, closed      resolved       2        open
   7 referred, no follow-up -
   8 done                  resolved
   9 answered              resolved
  10 accepted, open        -               (outside a slot)
  → requests per held slot hour 9 / 10 = 0.9; resolved 7/10 = 70.0 %;
    rated 6/10 = 60.0 %; satisfied (满意 or better) 2/6 = 33.3 %;
    responded on time 1/3 = 33.3 %; call-backs completed 2/3 = 66.7 %.
"""

import datetime as dt

import pytest

from desks import hours
from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import (
    CallBack,
    DutySlot,
    FollowUp,
    Rating,
    Role,
    SlotKind,
)
from desks.reports.monthly import MonthlyReport
from desks.rota.duty import assign
from desks.voice import feedback
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db

REPORT_MADE = at(2026, 10, 29, 12)


def slot(community, day, start, end, **fields):
    kind = SlotKind.WEEKEND if day.weekday() >= 5 else SlotKind.EVENING
    return DutySlot.objects.create(
        community=community,
        date=day,
        starts_at=at(day.year, day.month, day.day, start),
        ends_at=at(day.year, day.month, day.day, end),
        kind=kind,
        **fields,
    )


@pytest.fixture
def office():
    office = make_street_office(name="东湖街道")
    heping = make_community(office, name="和平社区", slug="heping")
    head = make_user(Role.HEAD, community=heping, username="head")
    worker = make_user(community=heping, username="w1")
    item = make_service_item(name="居民医保")
    a = slot(heping, dt.date(2026, 10, 15), 18, 20)
    b = slot(heping, dt.date(2026, 10, 17), 8, 16)
    slot(heping, dt.date(2026, 10, 16), 18, 20, cancelled_at=at(2026, 10, 10))
    slot(heping, dt.date(2026, 10, 2), 18, 20)
    slot(heping, dt.date(2026, 10, 29), 18, 20)
    served = assign(a, worker)
    served.checked_in_at = at(2026, 10, 15, 18)
    served.save(update_fields=["checked_in_at"])
    assign(b, worker)  # nobody checked in

    outcomes = [
        "done",
        "answered",
        "answered",
        "accepted",
        "accepted",
        "referred",
        "referred",
        "done",
        "answered",
        "accepted",
    ]
    requests = []
    for n, outcome in enumerate(outcomes, start=1):
        in_slot = a if n % 2 else b
        logged = at(2026, 10, 15, 19) if in_slot == a else at(2026, 10, 17, 9)
        requests.append(
            make_request(
                heping, item, worker, logged, outcome=outcome, slot=None if n == 10 else in_slot
            )
        )
    for n, closed in ((4, True), (5, False), (6, True), (10, False)):
        request = requests[n - 1]
        FollowUp.objects.create(
            request=request,
            owner=worker,
            due_on=dt.date(2026, 10, 25),
            created_at=request.logged_at,
            closed_at=request.logged_at + dt.timedelta(days=1) if closed else None,
            closed_by=worker if closed else None,
            resolution="已办结" if closed else "",
        )
    due = dt.date(2026, 10, 20)
    for n, level, call_back_closed in (
        (1, 5, None),
        (2, 4, None),
        (3, 3, None),
        (4, 2, at(2026, 10, 20, 21)),  # on its due date, late in the evening
        (5, 1, at(2026, 10, 21, 9)),  # a day late
        (6, 2, None),  # still open
    ):
        request = requests[n - 1]
        rating = Rating.objects.create(
            request=request, level=level, rated_at=request.logged_at + dt.timedelta(hours=1)
        )
        if level <= 2:
            CallBack.objects.create(
                rating=rating,
                owner=head,
                due_on=due,
                created_at=rating.rated_at,
                closed_at=call_back_closed,
                closed_by=head if call_back_closed else None,
                resolution="已回访" if call_back_closed else "",
            )
    return office


@pytest.fixture
def report(office):
    user = make_user(Role.OFFICE, street_office=office, username="office")
    return MonthlyReport(scope_for(user), Month(2026, 10), REPORT_MADE)


def summary(report):
    return {row.label: row.current for row in report.summary().rows}


def test_slots_held_are_the_planned_ones_that_took_place_on_an_open_day(report, english):
    figures = summary(report)
    assert figures["Slots planned"] == 4
    assert figures["Slot hours planned"] == 14
    assert figures["Slots held"] == 2
    assert figures["Slot hours held"] == 10
    assert figures["Slots staffed"] == 1


def test_requests_per_held_slot_hour_divides_extended_hours_requests_by_held_hours(report, english):
    figures = summary(report)
    assert figures["In extended hours"] == 9
    assert figures["Requests per held slot hour"] == 0.9


def test_a_slot_is_held_once_it_has_ended(office, english):
    user = make_user(Role.OFFICE, street_office=office, username="later")
    later = MonthlyReport(scope_for(user), Month(2026, 10), at(2026, 10, 29, 20))
    assert summary(later)["Slots held"] == 3


def test_the_three_rates_the_response_rate_and_the_completed_call_backs(report):
    (row,) = report.rate_tables()[0].rows
    rates = row.current
    assert (rates.requests, rates.resolved, rates.rated, rates.satisfied) == (10, 7, 6, 2)
    assert rates.resolved_share == 70.0
    assert rates.rated_share == 60.0
    assert rates.satisfied_share == 33.3
    assert rates.response_share == 33.3
    assert rates.call_back_completion == 66.7


def test_every_summary_figure_but_plain_counts_has_its_definition(report, english):
    defined = {row.label for row in report.summary().rows if row.definition}
    for label in (
        "Requests",
        "People served",
        "Slots held",
        "Requests per held slot hour",
        "Repeat visits within 30 days, percent",
    ):
        assert label in defined


# Call-back deadlines: working days of the street office


def test_a_deadline_in_working_days_skips_a_weekend():
    # Friday 10/16 → Mon 19, Tue 20, Wed 21.
    assert hours.working_days_after(dt.date(2026, 10, 16), 3) == dt.date(2026, 10, 21)


def test_a_deadline_in_working_days_skips_a_holiday_and_counts_a_make_up_saturday():
    # Wednesday 9/30 → National Day 10/1–10/7 off; Thu 10/8, Fri 10/9, and Sat 10/10,
    # the working Saturday in exchange (调休上班日).
    assert hours.working_days_after(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)


def test_a_poor_rating_before_a_holiday_is_due_three_working_days_later(office):
    community = office.communities.get()
    worker = make_user(community=community, username="w2")
    logged = make_request(community, make_service_item(name="测血压"), worker, at(2026, 9, 30, 19))
    feedback.rate(feedback.invitation_for(logged), 1, "", at(2026, 9, 30, 20))
    assert CallBack.objects.get(rating__request=logged).due_on == dt.date(2026, 10, 10)
