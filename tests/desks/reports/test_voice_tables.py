"""The residents' voice in the monthly report: the rates and the votes, on a known month."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import (
    CallBack,
    Community,
    FollowUp,
    Rating,
    Role,
    ServiceCategory,
    Vote,
    VotingRound,
)
from desks.reports.monthly import MonthlyReport
from desks.reports.voice_tables import RateRow, Rates, RateTable
from tests.clock import at
from tests.factories import (
    make_community,
    make_request,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    """October 2026 in 东湖街道: six requests rated in different ways, and one voting round."""
    office = make_street_office(name="东湖街道")
    heping = make_community(office, name="和平社区", slug="heping")
    guangming = make_community(office, name="光明社区", slug="guangming")
    head = make_user(Role.HEAD, community=heping, username="head")
    w1 = make_user(community=heping, username="w1", last_name="王", first_name="丽")
    w2 = make_user(community=guangming, username="w2", last_name="李", first_name="强")
    x = make_service_item(ServiceCategory.objects.create(name="社会保障"), name="居民医保")
    y = make_service_item(ServiceCategory.objects.create(name="卫生健康"), name="测血压")

    def rated(request, level, call_back_closed=None):
        rating = Rating.objects.create(
            request=request, level=level, rated_at=request.logged_at + dt.timedelta(hours=1)
        )
        if level <= 2:
            CallBack.objects.create(
                rating=rating,
                owner=head,
                due_on=dt.date(2026, 10, 30),
                created_at=rating.rated_at,
                closed_at=call_back_closed,
                closed_by=head if call_back_closed else None,
                resolution="已回访" if call_back_closed else "",
            )

    r1 = make_request(heping, x, w1, at(2026, 10, 2, 19), outcome="done")
    rated(r1, 5)
    r2 = make_request(heping, x, w1, at(2026, 10, 3, 19))
    rated(r2, 2, call_back_closed=at(2026, 10, 5, 10))
    r3 = make_request(heping, x, w1, at(2026, 10, 4, 19), outcome="accepted")
    FollowUp.objects.create(
        request=r3,
        owner=w1,
        due_on=dt.date(2026, 10, 7),
        created_at=r3.logged_at,
        closed_at=at(2026, 10, 6, 10),
        closed_by=w1,
        resolution="已办结",
    )
    rated(r3, 4)
    make_request(heping, x, w1, at(2026, 10, 5, 19))  # not rated
    r5 = make_request(guangming, y, w2, at(2026, 10, 6, 19))
    rated(r5, 1)  # call-back still open
    make_request(guangming, y, w2, at(2026, 10, 7, 19), outcome="done")
    september = make_request(heping, x, w1, at(2026, 9, 20, 19), outcome="done")
    rated(september, 3)

    def voting_round(title, opens, closes, votes):
        voting = VotingRound.objects.create(
            community=heping, title=title, opens_at=opens, closes_at=closes
        )
        for n, (item, wish) in enumerate(votes):
            Vote.objects.create(
                round=voting, service_item=item, wish=wish, device_hash=str(n), created_at=opens
            )

    voting_round("早一轮", at(2026, 9, 1), at(2026, 9, 10), [(x, "")] * 5)  # not the latest
    voting_round(
        "秋季点单", at(2026, 10, 1), at(2026, 10, 20), [(x, "")] * 3 + [(y, ""), (None, "修伞")]
    )
    voting_round("冬季点单", at(2026, 10, 25), at(2026, 11, 10), [(y, "")] * 9)  # closes later
    return office


def report_for(office):
    user = make_user(Role.OFFICE, street_office=office, username="office")
    return MonthlyReport(scope_for(user), Month(2026, 10))


def rates_of(table):
    return {
        row.label: (
            (
                row.current.rated_share,
                row.current.resolved_share,
                row.current.satisfied_share,
                row.current.call_back_completion,
            ),
            (
                row.previous.rated_share,
                row.previous.resolved_share,
                row.previous.satisfied_share,
                row.previous.call_back_completion,
            ),
        )
        for row in [*table.rows, table.total()]
    }


# Every request here was answered, done, or accepted and closed: all resolved
# (test_definitions.py has unresolved ones).
HEPING = ((75.0, 100.0, 66.7, 100.0), (100.0, 100.0, 0.0, None))
GUANGMING = ((50.0, 100.0, 0.0, 0.0), (None, None, None, None))
TOTAL = ((66.7, 100.0, 50.0, 50.0), (100.0, 100.0, 0.0, None))


def test_the_three_rates_and_the_call_back_completion_per_community_worker_and_item(
    office, django_assert_num_queries
):
    report = report_for(office)
    report.tables()
    # Once: 3 queries, one per table. Now they add up the figures the report's other
    # tables read (desks.reports.rollup), with their labels: no query of their own.
    with django_assert_num_queries(0):
        by_community, by_worker, by_item = report.rate_tables()
    assert rates_of(by_community) == {"和平社区": HEPING, "光明社区": GUANGMING, "合计": TOTAL}
    assert rates_of(by_worker) == {"王丽 (w1)": HEPING, "李强 (w2)": GUANGMING, "合计": TOTAL}
    assert rates_of(by_item) == {"居民医保": HEPING, "测血压": GUANGMING, "合计": TOTAL}


def test_the_rates_say_nothing_rather_than_zero_when_nothing_was_rated():
    assert Rates(requests=3).satisfied_share is None
    assert Rates(requests=3).rated_share == 0.0


def test_votes_against_requests_use_each_communitys_latest_closed_round(
    office, django_assert_max_num_queries
):
    report = report_for(office)
    report.tables()  # the month's figures, which give the requests per item
    with django_assert_max_num_queries(3):
        table = report.votes_against_requests()
    assert [voting.title for voting in table.rounds] == ["秋季点单"]
    # 光明社区 had no round: its requests are left out of the comparison.
    assert [(row.label, row.votes, row.requests) for row in table.rows] == [
        ("居民医保", 3, 4),
        ("测血压", 1, 0),
    ]
    assert table.unmapped_wishes == 1


def test_the_report_page_shows_them(client, office):
    user = make_user(Role.OFFICE, street_office=office, username="office")
    client.force_login(user)
    response = client.get(reverse("reports") + "?month=2026-10")
    assert response.status_code == 200
    text = response.text
    assert 'id="table-rates-community"' in text and 'id="table-votes"' in text
    assert "66.7" in text and "秋季点单" in text
    heping = Community.objects.get(voting_rounds__title="秋季点单")
    assert f"{heping.name} · 秋季点单." in text  # the round, named with its community
    votes = text[text.index('id="table-votes"') :]
    assert '<caption class="unit">' in votes  # what it counts: votes, and registrations


def test_a_rate_rows_cells_print_as_the_template_printed_them():
    row = RateRow("x", Rates(3, 2, 1, 1, 1, 0, 0), Rates(7, 0, 7, 0, 0, 0, 0))
    template = Template(
        '{% for current, previous in row.cells %}\n  <td class="num">'
        '{{ current|default_if_none:"—" }}</td><td class="num">'
        '{{ previous|default_if_none:"—" }}</td>{% endfor %}'
    )
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert row.shown_cells() == template.render(Context({"row": row}))


def test_a_rate_tables_total_adds_up_each_count_of_its_rows():
    rows = [
        RateRow("甲", Rates(4, 2, 1, 1, 1, 1, 0), Rates(1, 1, 0, 0, 0, 0, 0)),
        RateRow("乙", Rates(6, 3, 2, 1, 2, 1, 1), Rates(2, 0, 0, 0, 0, 0, 0)),
    ]
    total = RateTable("rates-test", "T", "Label", rows).total()
    assert total.current == Rates(10, 5, 3, 2, 3, 2, 1)
    assert total.previous == Rates(3, 1, 0, 0, 0, 0, 0)
    assert RateTable("rates-test", "T", "Label", []).total().current == Rates()
