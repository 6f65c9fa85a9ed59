"""The head's list of rota conflicts with the hours (/desk/rota/conflicts/): who sees what."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.models import DateOverride, Role
from desks.rota.planning import generate_month, publish
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = reverse("desks:rota_conflicts")
TOMORROW = dt.date(2026, 11, 25)
EXTRA = "临时加开"


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def with_conflict(community, head, worker, colleague, django_capture_on_commit_callbacks):
    """November published, then a new window tomorrow morning that nobody staffs yet."""
    publish(generate_month(community, dt.date(2026, 11, 1), NOW).rota_month, head, NOW)
    with django_capture_on_commit_callbacks(execute=True):
        for start, end in ((dt.time(9), dt.time(11)), (dt.time(18), dt.time(20))):
            DateOverride.objects.create(
                community=community, date=TOMORROW, start=start, end=end, reason=EXTRA
            )
    return community


def test_the_head_sees_their_communitys_conflicts(client, head, with_conflict):
    client.force_login(head)
    answer = client.get(URL)
    assert answer.status_code == 200
    assert with_conflict.name in answer.text and "09:00–11:00" in answer.text


def test_the_rota_page_links_to_it_for_a_head_only(client, head, worker, with_conflict):
    client.force_login(head)
    assert URL in client.get(reverse("desks:rota")).text
    client.force_login(worker)
    assert URL not in client.get(reverse("desks:rota")).text


def test_street_office_staff_see_their_offices_communities(client, office, with_conflict):
    client.force_login(office)
    assert with_conflict.name in client.get(URL).text


def test_a_worker_may_not_see_it(client, worker, with_conflict):
    client.force_login(worker)
    assert client.get(URL).status_code == 403


def test_logged_out_goes_to_the_login_page(client, with_conflict):
    answer = client.get(URL)
    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_another_communitys_head_sees_nothing_of_ours(client, neighbour, with_conflict):
    client.force_login(make_user(Role.HEAD, community=neighbour))
    page = client.get(URL).text
    assert with_conflict.name not in page and "09:00" not in page
    assert "排班与开放时间一致。" in page


def test_another_offices_staff_see_nothing_of_ours(client, other_office, with_conflict):
    client.force_login(other_office)
    page = client.get(URL).text
    assert with_conflict.name not in page and "09:00" not in page


def test_it_rejects_post(client, head, with_conflict):
    client.force_login(head)
    assert client.post(URL).status_code == 405


def test_queries_do_not_grow_with_the_slots(client, head, with_conflict):
    client.force_login(head)
    with CaptureQueriesContext(connection) as one_month:
        client.get(URL)
    generate_month(with_conflict, dt.date(2026, 12, 1), NOW)
    DateOverride.objects.create(
        community=with_conflict, date=dt.date(2026, 12, 2), start=dt.time(9), end=dt.time(11)
    )  # not reconciled: a window with no slot, listed too
    with CaptureQueriesContext(connection) as two_months:
        page = client.get(URL).text
    assert "开放，但没有值班班次。" in page
    assert len(two_months) == len(one_month)
