"""What the head is shown of a generated month's fairness (desks.rota.quality)."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import RotaMonth
from desks.rota.planning import generate_month
from desks.rota.quality import quality
from tests.clock import TUESDAY_MORNING as NOW

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
    assert 'id="plan-quality"' in page
    assert "Hours per worker" in page and worker.display_name in page
