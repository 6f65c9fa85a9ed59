"""The report keeps the request figures of a month that has ended, and keeps them right.

Each change below touches a month whose figures the report kept; the next report must
give exactly what a report computed from scratch on the same data gives.
"""

import dataclasses
import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.desk import request_log
from desks.models import (
    CallBack,
    FollowUp,
    MonthFigures,
    Outcome,
    Rating,
    Role,
    ServiceCategory,
    ServiceRequest,
)
from desks.reports import rollup
from desks.reports.monthly import MonthlyReport
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_resident,
    make_service_item,
    make_user,
)

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER = Month(2026, 10), Month(2026, 11)


@pytest.fixture
def cast(clock, street_office, community, neighbour, head):
    """October 2026 at two centres: answered, accepted with a follow-up, rated, a repeat;
    entered on 2 November."""
    clock.stop_at(at(2026, 11, 2, 20))
    worker = make_user(community=community, username="w1", last_name="王", first_name="丽")
    other = make_user(community=neighbour, username="w2", last_name="李", first_name="强")
    x = make_service_item(ServiceCategory.objects.create(name="社会保障"), name="居民医保")
    y = make_service_item(ServiceCategory.objects.create(name="卫生健康"), name="测血压")
    resident = make_resident(community)
    make_request(community, x, worker, at(2026, 9, 28, 19), resident=resident)
    repeat = make_request(community, x, worker, at(2026, 10, 5, 19), resident=resident)
    accepted = make_request(community, y, worker, at(2026, 10, 6, 9), outcome="accepted")
    FollowUp.objects.create(
        request=accepted, owner=worker, due_on=dt.date(2026, 10, 9), created_at=accepted.logged_at
    )
    rated = make_request(neighbour, y, other, at(2026, 10, 7, 19), channel="phone")
    Rating.objects.create(request=rated, level=5, rated_at=at(2026, 10, 7, 20))
    make_request(neighbour, x, other, at(2026, 11, 2, 19))
    user = make_user(Role.OFFICE, street_office=street_office, username="office")
    return dict(
        user=user,
        head=head,
        worker=worker,
        other=other,
        x=x,
        y=y,
        resident=resident,
        repeat=repeat,
        accepted=accepted,
        rated=rated,
    )


def everything(user, month=OCTOBER) -> dict:
    """Every figure of the report, as plain data."""
    report = MonthlyReport(scope_for(user), month)
    return {
        "tables": [
            (table.key, [(row.label, row.current, row.previous) for row in table.rows])
            for table in report.tables()
        ],
        "rates": [
            (
                table.key,
                [
                    (row.label, dataclasses.astuple(row.current), dataclasses.astuple(row.previous))
                    for row in table.rows
                ],
            )
            for table in report.rate_tables()
        ],
        "daily": report.daily(),
        "heat_map": report.heat_map(),
    }


def from_scratch(user, month=OCTOBER) -> dict:
    """The report with nothing kept (what was kept is left as it was)."""
    with transaction.atomic():
        MonthFigures.objects.all().delete()
        figures = everything(user, month)
        transaction.set_rollback(True)
    return figures


def kept_october() -> set[int]:
    return set(
        MonthFigures.objects.filter(month=OCTOBER.first_day, figures__isnull=False).values_list(
            "community_id", flat=True
        )
    )


def test_a_month_that_has_ended_is_kept_and_read_back_without_scanning_requests(
    clock, cast, community, neighbour
):
    clock.stop_at(at(2026, 11, 24, 10))
    first = everything(cast["user"])
    assert kept_october() == {community.pk, neighbour.pk}
    with CaptureQueriesContext(connection) as queries:
        again = everything(cast["user"])
    assert again == first
    scans = [q["sql"] for q in queries if 'FROM "desks_servicerequest"' in q["sql"]]
    assert scans == []


def test_the_month_in_progress_is_counted_but_never_kept(clock, cast, community):
    clock.stop_at(at(2026, 11, 24, 10))
    figures = everything(cast["user"], NOVEMBER)
    summary = dict(figures["tables"])["summary"]
    assert summary[0][1:] == (1, 3)  # requests: November, October
    assert not MonthFigures.objects.filter(month=NOVEMBER.first_day).exists()
    assert MonthFigures.objects.filter(month=OCTOBER.first_day).count() == 2


def test_a_month_is_kept_only_an_hour_after_it_ended(clock, cast):
    clock.stop_at(at(2026, 11, 1, 0, 30))
    everything(cast["user"])
    assert kept_october() == set()
    clock.stop_at(at(2026, 11, 1, 1, 0))
    everything(cast["user"])
    assert len(kept_october()) == 2


def test_a_late_entry_after_midnight_moves_the_kept_month(clock, cast, community):
    clock.stop_at(at(2026, 11, 1, 2))
    before = everything(cast["user"])
    # Served at 23:50 on 31 October, logged from the desk's outbox two hours later.
    request, created = request_log.log_request(
        community_id=community.pk,
        logged_by=cast["worker"],
        now=at(2026, 11, 1, 2),
        idempotency_key=uuid.uuid4(),
        served_at=at(2026, 10, 31, 23, 50),
        service_item=cast["x"],
        outcome="done",
        channel="walk_in",
    )
    assert created and request.logged_at.month == 10
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after != before
    assert dict(after["tables"])["summary"][0][1] == dict(before["tables"])["summary"][0][1] + 1


def test_an_edit_in_a_closed_month_changes_the_next_report_as_a_fresh_one_would(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    everything(cast["user"])
    request = ServiceRequest.objects.get(pk=cast["repeat"].pk)
    request_log.edit_request(
        request, cast["head"], at(2026, 11, 24, 10), outcome="referred", service_item=cast["y"]
    )
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    outcomes = [label for label, *_counts in dict(after["tables"])["outcome"]]
    assert str(Outcome.REFERRED.label) in outcomes


def test_moving_a_request_to_another_month_forgets_both_months(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    everything(cast["user"])
    everything(cast["user"], Month(2026, 9))
    request = ServiceRequest.objects.get(pk=cast["accepted"].pk)
    request.logged_at = at(2026, 9, 30, 9)
    request.save(update_fields=["logged_at"])
    assert everything(cast["user"]) == from_scratch(cast["user"])
    assert everything(cast["user"], Month(2026, 9)) == from_scratch(cast["user"], Month(2026, 9))


def test_a_deletion_in_a_closed_month_changes_the_next_report_as_a_fresh_one_would(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    before = everything(cast["user"])
    request_log.delete_request(
        ServiceRequest.objects.get(pk=cast["rated"].pk), cast["head"], at(2026, 11, 24, 10)
    )
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after["rates"] != before["rates"]


def test_deleting_a_request_outright_forgets_its_month(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    everything(cast["user"])
    ServiceRequest.objects.get(pk=cast["rated"].pk).delete()  # the admin's delete
    assert everything(cast["user"]) == from_scratch(cast["user"])


def test_one_more_person_in_a_closed_month_counts(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    everything(cast["user"])
    request = ServiceRequest.objects.get(pk=cast["rated"].pk)
    assert request_log.add_person(request, cast["head"], at(2026, 11, 24, 10), count_was=1)
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert dict(after["tables"])["summary"][1][1] == 4  # people: 3 + 1


def test_an_earlier_visit_entered_late_makes_a_kept_repeat(clock, cast, community):
    clock.stop_at(at(2026, 11, 24, 10))
    everything(cast["user"])
    # The resident's October visit for y was the first; one entered late in September
    # (the admin) makes it a repeat: October's figures move though October was not touched.
    october_visit = make_request(
        community, cast["y"], cast["worker"], at(2026, 10, 3, 19), resident=cast["resident"]
    )
    everything(cast["user"])
    make_request(
        community, cast["y"], cast["worker"], at(2026, 9, 25, 19), resident=cast["resident"]
    )
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert october_visit.logged_at.month == 10


def test_a_rating_and_a_call_back_after_the_month_change_its_rates(clock, cast, community):
    clock.stop_at(at(2026, 11, 24, 10))
    before = everything(cast["user"])
    request = ServiceRequest.objects.get(pk=cast["repeat"].pk)
    rating = Rating.objects.create(request=request, level=1, rated_at=at(2026, 11, 24, 9))
    assert everything(cast["user"]) == from_scratch(cast["user"])
    call_back = CallBack.objects.create(
        rating=Rating.objects.get(pk=rating.pk),
        owner=cast["head"],
        due_on=dt.date(2026, 11, 27),
        created_at=at(2026, 11, 24, 9),
    )
    assert everything(cast["user"]) == from_scratch(cast["user"])
    call_back = CallBack.objects.get(pk=call_back.pk)  # nothing of it loaded
    call_back.close(cast["head"], at(2026, 11, 25, 9), "已回访")
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after["rates"] != before["rates"]


def test_a_follow_up_closed_after_the_month_makes_its_request_resolved(clock, cast):
    clock.stop_at(at(2026, 11, 24, 10))
    before = everything(cast["user"])
    follow_up = FollowUp.objects.get(request=cast["accepted"])
    follow_up.close(cast["worker"], at(2026, 11, 24, 10), "已办结")
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after["rates"] != before["rates"]


def test_figures_computed_before_a_change_are_not_kept_after_it(clock, cast, community):
    """A report that read the kept rows, then computed while a change was committed:
    what it computed is older than the change, and is not kept."""
    clock.stop_at(at(2026, 11, 24, 10))
    kept = MonthFigures.objects.get(community=community, month=OCTOBER.first_day)
    read = kept.generation  # the report reads the kept row…
    stale = rollup.month_figures([community], OCTOBER, at(2026, 11, 24, 10))[community.pk]
    MonthFigures.forget([(community.pk, at(2026, 10, 5))])  # …a change commits…
    rollup._keep([(community.pk, OCTOBER.first_day, read, stale)])  # …it tries to keep
    kept.refresh_from_db()
    assert (kept.generation, kept.figures) == (read + 1, None)
    rollup._keep([(community.pk, OCTOBER.first_day, read + 1, stale)])
    kept.refresh_from_db()
    assert kept.figures == stale


def test_a_change_tonight_writes_nothing_to_the_kept_figures(clock, cast, community):
    clock.stop_at(at(2026, 11, 24, 19))
    with CaptureQueriesContext(connection) as queries:
        make_request(community, cast["x"], cast["worker"], at(2026, 11, 24, 19))
    assert len(queries) == 1  # the INSERT
    assert "desks_monthfigures" not in queries[0]["sql"]


def test_kept_months_cost_the_same_queries_however_many_communities_and_requests(
    clock, cast, street_office, client, django_assert_num_queries
):
    clock.stop_at(at(2026, 11, 24, 10))
    client.force_login(cast["user"])
    office_client = client
    office_client.get("/en/admin/reports/", {"month": "2026-10"})
    with CaptureQueriesContext(connection) as few:
        response = office_client.get("/en/admin/reports/", {"month": "2026-10"})
    assert response.status_code == 200, response
    # Counted now: each request empties the connection's query log.
    kept_queries = len(few.captured_queries)
    for number in range(4):
        centre = make_community(street_office, name=f"新社区{number}")
        worker = make_user(community=centre)
        for day in range(1, 25):
            make_request(
                centre,
                cast["x"] if day % 2 else cast["y"],
                worker,
                at(2026, 10, day, 19),
                resident=make_resident(centre),
            )
    office_client.get("/en/admin/reports/", {"month": "2026-10"})  # keeps the new ones
    with django_assert_num_queries(kept_queries):
        office_client.get("/en/admin/reports/", {"month": "2026-10"})
