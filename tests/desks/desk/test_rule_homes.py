"""The desk's rules answer the same wherever they are shown: lists, fragments and the report."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.desk.request_log import default_follow_up_owner, delete_request, log_request
from desks.models import FollowUp, Outcome, ServiceRequest
from desks.reports.monthly import MonthlyReport
from desks.rota.duty import assign, make_slots
from residents.models import PHONE_SEARCH_MIN_DIGITS
from tests.clock import at
from tests.factories import (
    make_request,
    make_service_item,
)

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def slot(community, worker, colleague):
    slot = make_slots(community, EVENING.date(), EVENING.date())[0]
    assign(slot, worker)
    assign(slot, colleague)
    return slot


def log(community, user, item, **fields):
    request, _ = log_request(
        community_id=community.pk,
        logged_by=user,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ANSWERED,
        **fields,
    )
    return request


def actions_of(page: str, request: ServiceRequest) -> set[str]:
    row = page.split(f'id="request-{request.pk}"')[1].split("</li>")[0]
    return {
        action
        for action, url in (
            ("edit", reverse("desks:edit", args=[request.pk])),
            ("delete", reverse("desks:delete", args=[request.pk])),
        )
        if url in row
    }


# Who may change or delete a logged request: the desk offers only what the server allows


def test_a_worker_is_offered_edit_and_delete_on_their_own_rows_only(
    client, community, worker, colleague, item, slot
):
    mine, theirs = log(community, worker, item), log(community, colleague, item)
    client.force_login(worker)

    page = client.get(reverse("desks:home")).content.decode()

    assert actions_of(page, mine) == {"edit", "delete"}
    assert actions_of(page, theirs) == set()
    # …and the server agrees with what the page offered.
    assert client.get(reverse("desks:edit", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("desks:delete", args=[theirs.pk])).status_code == 403
    assert ServiceRequest.objects.alive().filter(pk=theirs.pk).exists()


def test_the_head_is_offered_edit_and_delete_on_every_row(
    client, community, worker, head, item, slot
):
    logged = log(community, worker, item)
    client.force_login(head)

    page = client.get(reverse("desks:home")).content.decode()

    assert actions_of(page, logged) == {"edit", "delete"}
    assert client.get(reverse("desks:edit", args=[logged.pk])).status_code == 200


def test_once_the_slot_is_over_its_rows_are_no_longer_offered_for_change(
    client, community, worker, item, slot, clock
):
    logged = log(community, worker, item)

    clock.stop_at(slot.ends_at)
    client.force_login(worker)
    page = client.get(reverse("desks:home")).content.decode()
    assert actions_of(page, logged) == set()
    assert client.get(reverse("desks:edit", args=[logged.pk])).status_code == 403


def test_the_row_of_a_new_save_offers_edit_and_delete(client, community, worker, item, slot):
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": item.pk,
            "channel": "walk_in",
            "outcome": "answered",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    logged = ServiceRequest.objects.get()
    assert actions_of(response.content.decode(), logged) == {"edit", "delete"}


# Extended hours: a request in a slot, shown and counted the same way


def test_a_request_outside_any_slot_is_tagged_and_counted_as_regular_hours(
    client, community, worker, item, slot
):
    in_slot = log(community, worker, item)
    regular = make_request(community, item, worker, EVENING.replace(hour=10))
    client.force_login(worker)

    page = client.get(reverse("desks:home")).content.decode()
    row = page.split(f'id="request-{regular.pk}"')[1].split("</li>")[0]
    in_slot_row = page.split(f'id="request-{in_slot.pk}"')[1].split("</li>")[0]

    assert "正常工作时间" in row
    assert "正常工作时间" not in in_slot_row
    summary = dict(
        (row.label, row.current)
        for row in MonthlyReport(scope_for(worker), Month(2026, 11)).summary().rows
    )
    assert summary["延时服务时段"] == 1
    assert summary["正常工作时间"] == 1


# Overdue: the same answer on the desk's queue and in the report


def follow_up_due(community, worker, item, due_on):
    request = log(community, worker, item)
    return FollowUp.objects.create(
        request=request, owner=worker, due_on=due_on, created_at=EVENING - dt.timedelta(days=5)
    )


def test_work_due_yesterday_is_overdue_and_work_due_today_is_not(
    client, community, worker, item, slot
):
    late = follow_up_due(community, worker, item, EVENING.date() - dt.timedelta(days=1))
    today = follow_up_due(community, worker, item, EVENING.date())
    client.force_login(worker)

    page = client.get(reverse("desks:follow_ups")).content.decode()

    assert "overdue-tag" in page.split(f'id="follow-up-{late.pk}"')[1].split("</li>")[0]
    assert "overdue-tag" not in page.split(f'id="follow-up-{today.pk}"')[1].split("</li>")[0]


def test_closing_overdue_work_answers_a_fragment_that_is_no_longer_marked_overdue(
    client, community, worker, item, slot
):
    late = follow_up_due(community, worker, item, EVENING.date() - dt.timedelta(days=1))
    client.force_login(worker)

    response = client.post(
        reverse("desks:close_follow_up", args=[late.pk]),
        {"resolution": "已电话告知"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "overdue" not in response.content.decode()


def test_the_report_counts_as_overdue_at_month_end_what_the_desk_showed_overdue_then(
    community, worker, item, slot
):
    # Due on the month's last day and still open: overdue from the next morning.
    last_day = follow_up_due(community, worker, item, dt.date(2026, 11, 30))
    # Due on the next month's first day: not overdue yet at month end.
    follow_up_due(community, worker, item, dt.date(2026, 12, 1))
    month_end = Month(2026, 11).bounds()[1]

    overdue_on_the_desk = FollowUp.objects.queue().with_overdue(month_end)
    report = MonthlyReport(scope_for(worker), Month(2026, 11)).summary()

    assert [f.pk for f in overdue_on_the_desk if f.is_overdue] == [last_day.pk]
    assert dict((row.label, row.current) for row in report.rows)["月末逾期待跟进事项"] == 1


# Alive: a deleted request leaves every count and queue


def test_a_deleted_request_leaves_the_follow_up_queue_the_overview_and_the_report(
    client, community, worker, item, slot, office
):
    follow_up = follow_up_due(community, worker, item, EVENING.date())
    delete_request(follow_up.request, worker, EVENING)
    assert not FollowUp.objects.queue().exists()
    client.force_login(office)
    overview = client.get(reverse("desks:home"))
    assert [c.today for c in overview.context["communities"]] == [0]
    report = MonthlyReport(scope_for(worker), Month(2026, 11)).summary()
    assert dict((row.label, row.current) for row in report.rows)["办事登记数"] == 0


# Who may close a follow-up: its owner, or a head of its community


def test_a_colleague_cannot_close_a_follow_up_they_do_not_own_but_the_head_can(
    client, community, worker, colleague, head, item, slot
):
    follow_up = follow_up_due(community, worker, item, EVENING.date())
    url = reverse("desks:close_follow_up", args=[follow_up.pk])

    client.force_login(colleague)
    assert client.post(url, {"resolution": "我来关"}).status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.closed_at is None

    client.force_login(head)
    assert client.post(url, {"resolution": "负责人已处理"}).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.closed_by == head


def test_the_resident_search_states_the_digits_it_needs(client, worker, slot):
    client.force_login(worker)
    page = client.get(reverse("desks:home")).text
    assert f"按姓名或电话后 {PHONE_SEARCH_MIN_DIGITS} 位以上查找" in page


def test_the_default_follow_up_owner_ignores_follow_ups_of_deleted_requests(
    community, worker, colleague, item, slot
):
    for user in (worker, colleague):
        user.trained_categories.add(item.category)
    follow_up_due(community, worker, item, EVENING.date())
    gone = follow_up_due(community, colleague, item, EVENING.date())
    delete_request(gone.request, colleague, EVENING)

    # One open follow-up against none: the colleague's went with its request. (Counted,
    # it would tie, and the tie would go to the worker, the lower pk.)
    assert default_follow_up_owner(item, community.pk, worker) == colleague


def test_work_closed_at_the_very_moment_asked_about_is_not_overdue_then(
    community, worker, item, slot
):
    # Half-open, like every window here: closed at the month's end is closed at that moment.
    month_end = Month(2026, 11).bounds()[1]
    follow_up = follow_up_due(community, worker, item, dt.date(2026, 11, 20))
    follow_up.close(worker, month_end, "已办结")
    assert not FollowUp.objects.with_overdue(month_end).get().is_overdue
    assert FollowUp.objects.with_overdue(month_end - dt.timedelta(seconds=1)).get().is_overdue
