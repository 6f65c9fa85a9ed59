import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from desks.models import Role
from desks.rota.duty import (
    RotaError,
    assign,
    check_in,
    check_out,
    confirm_served,
    make_slots,
    previous_slot,
)
from tests.clock import at
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def assignment():
    community = make_community()
    slot = make_slots(community, DAY, DAY)[0]
    return assign(slot, make_user(community=community))


def test_a_worker_checks_in_from_half_an_hour_before_until_the_end(assignment):
    with pytest.raises(RotaError):
        check_in(assignment, assignment.starts_at - dt.timedelta(minutes=31))
    check_in(assignment, assignment.starts_at - dt.timedelta(minutes=10))
    assignment.refresh_from_db()
    assert assignment.is_served


def test_checking_in_after_the_slot_ended_is_refused(assignment):
    with pytest.raises(RotaError):
        check_in(assignment, assignment.ends_at)
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None


def test_checking_in_twice_keeps_the_first_time(assignment):
    first = assignment.starts_at
    check_in(assignment, first)
    check_in(assignment, first + dt.timedelta(minutes=20))
    assignment.refresh_from_db()
    assert assignment.checked_in_at == first


def test_checking_out_needs_a_check_in(assignment):
    with pytest.raises(RotaError):
        check_out(assignment, assignment.ends_at)
    check_in(assignment, assignment.starts_at)
    check_out(assignment, assignment.ends_at)
    assignment.refresh_from_db()
    assert assignment.checked_out_at == assignment.ends_at


def test_only_the_communitys_head_confirms_a_started_slot(assignment):
    head = make_user(Role.HEAD, community=assignment.slot.community)
    with pytest.raises(RotaError):
        confirm_served(assignment, make_user(Role.HEAD), assignment.ends_at)
    with pytest.raises(RotaError):
        confirm_served(assignment, head, assignment.starts_at - dt.timedelta(hours=1))
    confirm_served(assignment, head, assignment.ends_at)
    assignment.refresh_from_db()
    assert assignment.confirmed_by == head


def test_the_previous_slot_is_the_communitys_last_one_before(assignment):
    slot = assignment.slot
    community = slot.community
    week = make_slots(community, DAY - dt.timedelta(days=7), DAY)
    make_slots(make_community(community.street_office), DAY, DAY)
    earlier = [s for s in week if s.starts_at < slot.starts_at]
    assert previous_slot(slot) == earlier[-1]
    assert previous_slot(min(week, key=lambda s: s.starts_at)) is None


def test_a_head_confirms_others_duty_not_their_own(community, head):
    now = at(2026, 11, 24, 15)
    slot = make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 23))[0]
    assignment = assign(slot, head)
    with pytest.raises(RotaError):
        confirm_served(assignment, head, now)
    assignment.refresh_from_db()
    assert assignment.confirmed_by is None


def test_checking_in_to_a_later_slot_is_a_message_not_an_error(client, clock, community, worker):
    clock.stop_at(at(2026, 11, 24, 15))
    slot = make_slots(community, dt.date(2026, 11, 25), dt.date(2026, 11, 25))[0]
    assignment = assign(slot, worker)
    client.force_login(worker)
    url = reverse("desks:check_in", args=[assignment.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert client.post(reverse("desks:check_out", args=[assignment.pk])).status_code == 302
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None and assignment.checked_out_at is None


def test_the_check_in_message_states_the_window_the_rule_enforces(assignment, monkeypatch):
    with pytest.raises(RotaError, match="from 30 minutes before"):
        check_in(assignment, assignment.starts_at - dt.timedelta(minutes=31))
    monkeypatch.setattr("desks.rota.duty.CHECK_IN_EARLY", dt.timedelta(minutes=45))
    check_in(assignment, assignment.starts_at - dt.timedelta(minutes=40))
    assert assignment.is_served


def test_the_check_in_message_reads_in_chinese_too(assignment):
    with translation.override("zh-hans"), pytest.raises(RotaError, match="开始前 30 分钟"):
        check_in(assignment, assignment.starts_at - dt.timedelta(minutes=31))
