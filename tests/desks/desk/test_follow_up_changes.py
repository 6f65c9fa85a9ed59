"""A head reassigns a follow-up or moves its due date; every change is kept in its history."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.desk.request_log import FOLLOW_UP_MAX_DAYS, log_request
from desks.models import FollowUp, Outcome, RequestChange, Role
from tests.clock import at
from tests.factories import make_service_item, make_user

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


def follow_up_of(user, due_on=dt.date(2026, 11, 27), notes=""):
    logged, _ = log_request(
        community_id=user.community_id,
        logged_by=user,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ACCEPTED,
        notes=notes,
        follow_up={"owner": user, "due_on": due_on},
    )
    return logged.follow_up


def change(client, follow_up, prefix="", htmx=False, **data):
    return client.post(
        prefix + reverse("desks:change_follow_up", args=[follow_up.pk]),
        data,
        headers={"HX-Request": "true"} if htmx else {},
    )


def assert_unchanged(follow_up, owner, due_on=dt.date(2026, 11, 27)):
    follow_up.refresh_from_db()
    assert follow_up.owner == owner and follow_up.due_on == due_on
    assert not RequestChange.objects.exists()


def test_a_head_reassigns_and_re_dates_a_follow_up_and_the_change_is_kept(
    client, head, worker, colleague
):
    follow_up = follow_up_of(worker)
    client.force_login(head)
    response = change(client, follow_up, htmx=True, owner=colleague.pk, due_on="2026-12-01")
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="follow-up-{follow_up.pk}"')
    assert 'class="saved" role="status"' in response.text
    assert f'<option value="{colleague.pk}" selected>' in response.text
    follow_up.refresh_from_db()
    assert follow_up.owner == colleague and follow_up.due_on == dt.date(2026, 12, 1)
    record = RequestChange.objects.get()
    assert record.request_id == follow_up.request_id and record.changed_by == head
    assert record.action == RequestChange.Action.FOLLOW_UP_CHANGED
    assert record.changed_at == EVENING
    assert record.changes == {
        "follow_up_owner": [worker.pk, colleague.pk],
        "follow_up_due_on": ["2026-11-27", "2026-12-01"],
    }


def test_moving_an_overdue_follow_up_ahead_clears_its_overdue_mark(client, head, worker):
    follow_up = follow_up_of(worker, due_on=dt.date(2026, 11, 20))
    client.force_login(head)
    response = change(client, follow_up, htmx=True, owner=worker.pk, due_on="2026-11-26")
    assert "overdue" not in response.text.split(">", 1)[0]
    assert RequestChange.objects.get().changes == {"follow_up_due_on": ["2026-11-20", "2026-11-26"]}


def test_saving_the_same_owner_and_date_keeps_no_record(client, head, worker):
    follow_up = follow_up_of(worker)
    client.force_login(head)
    response = change(client, follow_up, "/en", htmx=True, owner=worker.pk, due_on="2026-11-27")
    assert response.status_code == 200 and "Nothing changed." in response.text
    assert not RequestChange.objects.exists()


def test_without_javascript_the_head_goes_back_to_the_page_with_a_confirmation(
    client, head, worker, colleague
):
    follow_up = follow_up_of(worker)
    client.force_login(head)
    response = change(client, follow_up, owner=colleague.pk, due_on="2026-11-30")
    assert response.status_code == 302 and response["Location"] == reverse("desks:follow_ups")
    assert "待跟进已修改。" in client.get(reverse("desks:follow_ups")).text


def test_the_head_sees_the_form_on_every_follow_up_and_a_worker_on_none(
    client, head, worker, colleague
):
    follow_up_of(worker)
    follow_up_of(colleague)
    follow_up_of(head)
    client.force_login(head)
    assert client.get(reverse("desks:follow_ups")).text.count('class="reassign"') == 3
    client.force_login(worker)
    assert 'class="reassign"' not in client.get(reverse("desks:follow_ups")).text


def test_a_worker_cannot_reassign_even_their_own(client, worker, colleague):
    follow_up = follow_up_of(worker)
    client.force_login(worker)
    response = change(client, follow_up, owner=colleague.pk, due_on="2026-12-01")
    assert response.status_code == 403
    assert_unchanged(follow_up, worker)


def test_another_communitys_head_cannot_even_find_it(client, worker, neighbour):
    follow_up = follow_up_of(worker)
    client.force_login(make_user(Role.HEAD, community=neighbour))
    assert change(client, follow_up, owner=worker.pk, due_on="2026-12-01").status_code == 404
    assert_unchanged(follow_up, worker)


def test_it_requires_login_and_refuses_get(client, head, worker):
    follow_up = follow_up_of(worker)
    response = change(client, follow_up, owner=head.pk, due_on="2026-12-01")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(head)
    url = reverse("desks:change_follow_up", args=[follow_up.pk])
    assert client.get(url).status_code == 405
    assert_unchanged(follow_up, worker)


def test_a_closed_follow_up_is_not_reassigned(client, head, worker, colleague):
    follow_up = follow_up_of(worker)
    follow_up.close(worker, EVENING, "已电话告知")
    client.force_login(head)
    assert change(client, follow_up, owner=colleague.pk, due_on="2026-12-01").status_code == 404
    assert_unchanged(follow_up, worker)


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        ("2026-11-23", "cannot be due in the past"),
        ("0001-01-01", "cannot be due in the past"),
        ("9999-12-31", f"within {FOLLOW_UP_MAX_DAYS} days"),
        ("next tuesday", "Enter a date such as 2026-11-30."),
        ("2026-02-30", "Enter a date such as 2026-11-30."),
        ("", "Choose the day it is due."),
    ],
)
def test_a_bad_due_date_is_refused_with_a_message_and_nothing_changes(
    client, head, worker, colleague, due_on, message
):
    follow_up = follow_up_of(worker)
    client.force_login(head)
    response = change(client, follow_up, "/en", htmx=True, owner=colleague.pk, due_on=due_on)
    assert response.status_code == 422 and message in response.text
    assert 'role="alert"' in response.text
    assert_unchanged(follow_up, worker)


@pytest.mark.parametrize("owner", ["another community's", "office", "inactive", "999999", "x"])
def test_an_owner_who_is_not_a_duty_worker_here_is_refused(
    client, head, worker, neighbour, street_office, owner
):
    follow_up = follow_up_of(worker)
    owner = {
        "another community's": lambda: make_user(community=neighbour).pk,
        "office": lambda: make_user(Role.OFFICE, street_office=street_office).pk,
        "inactive": lambda: make_user(community=worker.community, is_active=False).pk,
    }.get(owner, lambda: owner)()
    client.force_login(head)
    response = change(client, follow_up, "/en", htmx=True, owner=owner, due_on="2026-12-01")
    assert response.status_code == 422
    assert "Choose a duty worker of this community." in response.text
    assert_unchanged(follow_up, worker)


def test_the_heads_page_costs_the_same_queries_with_2_or_12_follow_ups(
    client, head, worker, colleague, django_assert_num_queries
):
    for _ in range(2):
        follow_up_of(worker)
    client.force_login(head)
    client.get(reverse("desks:follow_ups"))  # the session's first write
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("desks:follow_ups"))
    for _ in range(10):
        follow_up_of(colleague)
    assert FollowUp.objects.count() == 12
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("desks:follow_ups"))
