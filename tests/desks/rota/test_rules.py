"""One set of checks for every path that puts a worker on a slot (issue 18): desks.rota.rules.

Leave, unavailability, approved comp leave and a second slot the same day refuse a
placement unless a head (or their street office) overrides with a reason, which the
assignment records; the hard rules refuse whatever the reason.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from desks.models import Absence, Assignment, CompLeave, DutySlot, Role, SlotKind
from desks.rota import rules
from desks.rota.duty import RotaError, RulesBroken, assign, assign_many, make_slots
from desks.rota.rules import Checker, why_not
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def evening(community):
    """Monday's 18:00–20:00 slot."""
    return make_slots(community, MONDAY, MONDAY)[0]


def afternoon_slot(community, day=MONDAY):
    """A second slot that day, 14:00–16:00 (a special event), not overlapping the evening."""
    return DutySlot.objects.create(
        community=community,
        date=day,
        starts_at=at(day.year, day.month, day.day, 14),
        ends_at=at(day.year, day.month, day.day, 16),
        kind=SlotKind.EVENING,
    )


def rules_of(problems):
    return [(problem.rule, problem.overridable) for problem in problems]


# Each rule, refused ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, rule",
    [(Absence.Kind.LEAVE, rules.LEAVE), (Absence.Kind.UNAVAILABLE, rules.UNAVAILABLE)],
)
def test_leave_or_unavailability_covering_the_day_refuses_the_worker(evening, worker, kind, rule):
    Absence.objects.create(
        worker=worker, first_day=MONDAY - dt.timedelta(days=2), last_day=MONDAY, kind=kind
    )
    assert rules_of(why_not(worker, evening)) == [(rule, True)]
    with pytest.raises(RulesBroken, match=r"on leave on 2026-11-30|unavailable on 2026-11-30"):
        assign(evening, worker)
    assert not Assignment.objects.exists()


def test_leave_ending_the_day_before_does_not_count(evening, worker):
    Absence.objects.create(
        worker=worker,
        first_day=MONDAY - dt.timedelta(days=3),
        last_day=MONDAY - dt.timedelta(days=1),
    )
    assert why_not(worker, evening) == []


def test_approved_comp_leave_counts_as_leave_but_asked_for_does_not(evening, worker, head):
    leave = CompLeave.objects.create(worker=worker, date=MONDAY, hours=Decimal(2), created_at=NOW)
    assert why_not(worker, evening) == []  # asked for: the head may still refuse it
    leave.status = CompLeave.Status.APPROVED
    leave.save(update_fields=["status"])
    assert rules_of(why_not(worker, evening)) == [(rules.COMP_LEAVE, True)]
    with pytest.raises(RulesBroken, match="has approved comp leave on 2026-11-30"):
        assign(evening, worker)


def test_a_second_slot_the_same_day_is_refused(community, evening, worker):
    assign(afternoon_slot(community), worker)
    assert rules_of(why_not(worker, evening)) == [(rules.SAME_DAY, True)]
    with pytest.raises(RulesBroken, match="already has a slot that day"):
        assign(evening, worker)
    assert Assignment.objects.filter(worker=worker).count() == 1


def test_a_slot_the_next_day_is_no_problem(community, evening, worker):
    assign(
        make_slots(community, MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=1))[0],
        worker,
    )
    assert why_not(worker, evening) == []


def test_a_cancelled_slot_of_the_same_day_does_not_count(community, evening, worker):
    other = afternoon_slot(community)
    assign(other, worker)
    other.cancelled_at = NOW
    other.save(update_fields=["cancelled_at"])
    assert why_not(worker, evening) == []


def test_the_hard_rules_cannot_be_overridden(community, evening, head, worker, colleague, outsider):
    evening.workers_needed = 1
    evening.save(update_fields=["workers_needed"])
    assign(evening, colleague)
    left = make_user(community=community, is_active=False)
    expectations = {
        worker: [rules.FULL],
        colleague: [rules.ALREADY_ON_SLOT],
        outsider: [rules.OTHER_COMMUNITY, rules.FULL],
        left: [rules.NOT_ON_DUTY, rules.FULL],
    }
    for person, expected in expectations.items():
        assert [p.rule for p in why_not(person, evening)] == expected, person.username
        with pytest.raises(RulesBroken) as refused:
            assign(evening, person, override_reason="急需", by=head)
        assert not refused.value.overridable
    assert list(Assignment.objects.values_list("worker", flat=True)) == [colleague.pk]


def test_a_cancelled_slot_refuses_everyone_whatever_the_reason(evening, head, worker):
    evening.cancelled_at, evening.cancel_reason = NOW, "台风"
    evening.save(update_fields=["cancelled_at", "cancel_reason"])
    with pytest.raises(RulesBroken, match="This slot was cancelled: 台风"):
        assign(evening, worker, override_reason="急需", by=head)


def test_overlapping_duty_elsewhere_is_hard_even_on_a_lent_worker(
    community, neighbour, evening, head, worker
):
    there = make_slots(neighbour, MONDAY, MONDAY)[0]
    assign(there, worker, lent_by=head)
    problems = why_not(worker, evening)
    assert rules_of(problems) == [(rules.OVERLAP, False)]
    assert "already on duty then" in problems[0].message


def test_every_problem_is_listed_in_one_message(community, evening, head, worker):
    Absence.objects.create(worker=worker, first_day=MONDAY, last_day=MONDAY)
    assign(afternoon_slot(community), worker, override_reason="活动", by=head)
    with pytest.raises(RulesBroken) as refused:
        assign(evening, worker)
    assert [p.rule for p in refused.value.problems] == [rules.LEAVE, rules.SAME_DAY]
    assert "is on leave on 2026-11-30." in refused.value.message
    assert "already has a slot that day" in refused.value.message


# The override -------------------------------------------------------------------


def test_a_head_overrides_leave_with_a_reason_and_the_assignment_records_it(evening, head, worker):
    Absence.objects.create(worker=worker, first_day=MONDAY, last_day=MONDAY, reason="病假")
    assignment = assign(evening, worker, override_reason="  本人同意顶班  ", by=head, now=NOW)
    assignment.refresh_from_db()
    assert assignment.is_override
    assert assignment.override_reason == "本人同意顶班"
    assert (assignment.overridden_by, assignment.overridden_at) == (head, NOW)
    assert assignment.overridden_rules == [f"{worker} is on leave on 2026-11-30."]


def test_a_reason_given_when_nothing_is_broken_records_no_override(evening, head, worker):
    assignment = assign(evening, worker, override_reason="以防万一", by=head)
    assert not assignment.is_override and assignment.override_reason == ""


def test_street_office_staff_may_override_but_not_a_worker_or_another_communitys_head(
    street_office, evening, worker, colleague
):
    Absence.objects.create(worker=worker, first_day=MONDAY, last_day=MONDAY)
    other_head = make_user(Role.HEAD, community=make_community(street_office))
    other_office = make_user(Role.OFFICE)
    for someone in (colleague, other_head, other_office, None):
        with pytest.raises(RotaError, match="Only the community's head or its street office"):
            assign(evening, worker, override_reason="顶班", by=someone)
    assert not Assignment.objects.exists()
    office = make_user(Role.OFFICE, street_office=street_office)
    assert assign(evening, worker, override_reason="顶班", by=office).overridden_by == office


def test_a_head_who_has_left_may_not_override(evening, head, worker):
    Absence.objects.create(worker=worker, first_day=MONDAY, last_day=MONDAY)
    head.is_active = False
    head.save(update_fields=["is_active"])
    assert not rules.may_override(head, evening)


def test_the_database_refuses_an_override_without_a_reason(evening, head, worker):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            slot=evening,
            worker=worker,
            starts_at=evening.starts_at,
            ends_at=evening.ends_at,
            overridden_by=head,
            overridden_at=NOW,
        )


# In bulk: what generation needs ------------------------------------------------------


def test_the_checker_costs_the_same_queries_for_one_slot_or_a_month(
    community, head, worker, colleague, django_assert_num_queries
):
    december = make_slots(community, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    Absence.objects.create(
        worker=worker, first_day=dt.date(2026, 12, 7), last_day=dt.date(2026, 12, 9)
    )
    assign(december[0], colleague)
    people = [head, worker, colleague]
    for slots in (december[:1], december):
        with django_assert_num_queries(3):
            checker = Checker(people, slots)
        with django_assert_num_queries(0):
            answers = {(p.pk, s.pk): checker.why_not(p, s) for p in people for s in slots}
        # The same answers as one placement at a time.
        assert answers == {(p.pk, s.pk): why_not(p, s) for p in people for s in slots}
    assert len(december) > 20


def test_the_checker_counts_placements_made_while_it_fills(community, worker):
    afternoon, evening = afternoon_slot(community), make_slots(community, MONDAY, MONDAY)[0]
    checker = Checker([worker], [afternoon, evening])
    assert checker.why_not(worker, evening) == []
    checker.add(worker, afternoon)
    assert rules_of(checker.why_not(worker, evening)) == [(rules.SAME_DAY, True)]


def test_many_placements_at_once_keep_the_rules_and_store_all_or_nothing(
    community, worker, colleague
):
    week = make_slots(community, MONDAY, MONDAY + dt.timedelta(days=4))
    Absence.objects.create(
        worker=colleague,
        first_day=MONDAY + dt.timedelta(days=2),
        last_day=MONDAY + dt.timedelta(days=2),
        kind=Absence.Kind.LEAVE,
        reason="病假",
    )
    fine = [(slot, worker) for slot in week]
    with pytest.raises(RulesBroken) as refused:
        assign_many([*fine, *[(slot, colleague) for slot in week]])
    assert [problem.rule for problem in refused.value.problems] == [rules.LEAVE]
    assert not Assignment.objects.exists()

    assert len(assign_many(fine)) == len(week)
    with pytest.raises(RulesBroken) as refused:
        assign_many([(week[0], worker)])
    assert rules.ALREADY_ON_SLOT in [problem.rule for problem in refused.value.problems]


def test_many_placements_cost_the_queries_of_one(
    community, worker, colleague, django_assert_num_queries
):
    week = make_slots(community, MONDAY, MONDAY + dt.timedelta(days=4))
    with CaptureQueriesContext(connection) as one:
        assign_many([(week[0], worker)])
    with django_assert_num_queries(len(one.captured_queries)):
        assign_many([(slot, colleague) for slot in week] + [(slot, worker) for slot in week[1:]])
    assert Assignment.objects.count() == 2 * len(week)
