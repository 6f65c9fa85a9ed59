import datetime as dt

import pytest

from desks.models import Assignment, DutySlot, Role, SlotKind
from desks.rota.duty import RotaError, assign, make_slots
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_month_of_slots_follows_the_opening_hours(community):
    slots = make_slots(community, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    days = {slot.date for slot in slots}
    assert dt.date(2026, 10, 1) not in days  # 国庆节: closed
    assert dt.date(2026, 10, 10) in days  # a Saturday worked in exchange
    saturday = next(slot for slot in slots if slot.date == dt.date(2026, 10, 10))
    assert saturday.kind == SlotKind.EVENING and saturday.hours == 2
    sunday = next(slot for slot in slots if slot.date == dt.date(2026, 10, 11))
    assert sunday.kind == SlotKind.WEEKEND and sunday.hours == 8
    assert all(slot.workers_needed == community.workers_per_slot for slot in slots)


def test_making_slots_twice_keeps_the_first_ones(community):
    first = make_slots(community, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    again = make_slots(community, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [slot.pk for slot in first] == [slot.pk for slot in again]
    assert DutySlot.objects.count() == len(first)


def test_a_worker_is_never_on_overlapping_slots(community):
    other = make_community(community.street_office)
    worker = make_user(community=community)
    head = make_user(Role.HEAD, community=community)
    mine = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    theirs = make_slots(other, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(mine, worker)
    with pytest.raises(RotaError, match="already on duty"):
        assign(theirs, worker, lent_by=head)
    assert Assignment.objects.filter(worker=worker).count() == 1


def test_a_slot_never_has_more_workers_than_it_needs(community):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, make_user(community=community))
    assign(slot, make_user(community=community))
    with pytest.raises(RotaError, match="already has"):
        assign(slot, make_user(community=community))
    assert slot.assignments.count() == 2


def test_a_worker_serves_another_community_only_when_their_head_lends_them(community):
    other = make_community(community.street_office)
    worker = make_user(community=other)
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    with pytest.raises(RotaError, match="another community"):
        assign(slot, worker)
    with pytest.raises(RotaError, match="another community"):
        assign(slot, worker, lent_by=make_user(Role.HEAD, community=community))  # wrong head
    assignment = assign(slot, worker, lent_by=make_user(Role.HEAD, community=other))
    assert assignment.lent_by is not None


def test_street_office_staff_are_not_put_on_duty(community):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    with pytest.raises(RotaError):
        assign(slot, make_user(Role.OFFICE, street_office=community.street_office))
