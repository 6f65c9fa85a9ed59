"""What the head is shown of a generated month's fairness (desks.rota.quality)."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import RotaMonth
from desks.rota.planning import generate_month
from desks.rota.quality import changes, qualities, quality
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def draft(clock, community, worker, colleague):
    clock.stop_at(NOW)
    return generate_month(community, DECEMBER, NOW).rota_month


def test_a_month_not_yet_generated_has_nothing_to_show(community):
    assert quality(RotaMonth.objects.create(community=community, month=DECEMBER)) is None


def test_the_figures_come_with_names_and_each_worker_s_hours(draft, worker, colleague):
    shown = quality(draft)
    assert {hours.name for hours in shown.workers} == {worker.display_name, colleague.display_name}
    assert all(h.total == h.evening + h.weekend for h in shown.workers)
    # Two workers and slots that need two: every slot is theirs together.
    assert shown.top_pairs == [
        (*sorted([worker.display_name, colleague.display_name]), shown.slots)
    ]
    assert shown.spread["total"] == max(h.total for h in shown.workers) - min(
        h.total for h in shown.workers
    )


def test_it_reads_three_queries_at_most_however_big_the_month(draft, django_assert_max_num_queries):
    # The workers, the categories and the slots named (none when nothing is uncovered).
    with django_assert_max_num_queries(3):
        quality(draft)


def test_the_month_page_shows_it_to_the_head(client, head, draft, worker, english):
    client.force_login(head)
    page = client.get(reverse("admin:desks_rotamonth_change", args=[draft.pk])).content.decode()
    assert 'id="plan-quality-2026-12"' in page
    assert "Hours per worker" in page and worker.display_name in page


def test_several_months_cost_the_same_three_queries(
    community, worker, colleague, draft, django_assert_max_num_queries
):
    january = generate_month(community, dt.date(2027, 1, 1), NOW).rota_month
    with django_assert_max_num_queries(3):
        shown = qualities([draft, january])
    assert set(shown) == {draft.pk, january.pk}


def test_each_place_says_who_came_closest_and_what_would_have_changed(
    clock, community, worker, colleague
):
    clock.stop_at(NOW)
    third = make_user(community=community, username="third")
    shown = quality(generate_month(community, DECEMBER, NOW).rota_month)
    assert shown.why, "every planned place has its reasons"
    names = {worker.display_name, colleague.display_name, third.display_name}
    for runners in shown.why.values():
        assert len(runners) <= 2
        assert all(runner.name in names and runner.changes for runner in runners)


def test_the_changes_are_said_for_people(english):
    assert changes({"spread": 2.5, "uncovered": 1, "pair_most": -1}) == [
        "hours of this kind 2.5 h further apart",
        "1 more category uncovered",
        "the busiest pair shares 1 fewer slot",
    ]
    assert changes({"spread_total": -4.0, "uncovered": -2, "moved": 1}) == [
        "all hours 4 h closer",
        "2 more categories covered",
        "a place of the previous draft moved",
    ]
    assert changes({}) == ["no different on any term"]


def test_the_head_sees_the_months_quality_and_why_on_the_rota_page(
    client, clock, community, head, worker, colleague, english
):
    clock.stop_at(NOW)
    make_user(community=community, username="third")
    generate_month(community, DECEMBER, NOW)
    client.force_login(head)
    page = client.get(reverse("desks:rota")).text
    assert 'id="plan-quality-2026-12"' in page and "Hours per worker" in page
    assert page.count('class="why"') >= 2
    assert "the closest alternatives would have changed" in page


def test_a_worker_sees_neither(client, clock, community, worker, colleague, english):
    clock.stop_at(NOW)
    generate_month(community, DECEMBER, NOW)
    client.force_login(worker)
    page = client.get(reverse("desks:rota")).text
    assert "plan-quality" not in page and 'class="why"' not in page
