"""The edit page finds a resident with the desk's search, never lists the community's residents."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from desks.desk.request_log import log_request
from desks.models import Outcome, RequestChange
from desks.rota.duty import assign, make_slots
from residents.models import AccessLog
from tests.clock import at
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)


@pytest.fixture
def residents(community):
    return {
        "wang": make_resident(community, name="王秀英", phone="13900001234"),
        "yu_1": make_resident(community, name="于海燕", phone="13800005678"),
        "yu_2": make_resident(community, name="于海燕", phone="13700009876"),
    }


@pytest.fixture
def logged(clock, community, worker, residents):
    clock.stop_at(EVENING)
    assign(make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0], worker)
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ANSWERED,
        resident=residents["wang"],
    )
    return request


def edit_data(logged, resident):
    return {
        "service_item": logged.service_item_id,
        "resident": resident,
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "notes": "",
        "proxy_name": "",
    }


def test_the_edit_page_shows_the_requests_resident_and_nobody_else(client, worker, logged):
    client.force_login(worker)
    body = client.get(reverse("desks:edit", args=[logged.pk])).text
    assert "王秀英" in body and "139****1234" in body
    assert "于海燕" not in body and '<select name="resident"' not in body
    assert 'hx-post="/desk/lookup/residents/for-edit/"' in body


def test_the_search_tells_two_namesakes_apart_and_leaves_an_audit_record(
    client, worker, logged, residents
):
    client.force_login(worker)
    response = client.post(reverse("desks:resident_search_for_edit"), {"resident_q": "于海燕"})
    assert response.text.lstrip().startswith('<div id="resident-results"')
    assert "138****5678" in response.text and "137****9876" in response.text
    assert "13800005678" not in response.text and "王秀英" not in response.text
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCHED, user=worker).count() == 1


def test_an_empty_search_lists_nobody(client, worker, logged):
    client.force_login(worker)
    response = client.post(reverse("desks:resident_search_for_edit"), {"resident_q": ""})
    assert "于海燕" not in response.text and "王秀英" not in response.text


def test_another_communitys_worker_finds_none_of_ours(client, outsider, residents):
    client.force_login(outsider)
    response = client.post(reverse("desks:resident_search_for_edit"), {"resident_q": "于海燕"})
    assert "于海燕" not in response.text


def test_a_resident_found_by_the_search_is_saved_with_the_change_kept(
    client, worker, logged, residents
):
    client.force_login(worker)
    chosen = residents["yu_2"]
    response = client.post(reverse("desks:edit", args=[logged.pk]), edit_data(logged, chosen.pk))
    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.resident == chosen
    change = RequestChange.objects.get()
    assert change.changes["resident"] == [residents["wang"].pk, chosen.pk]


@pytest.mark.parametrize("guess", ["another community's", "999999", "abc"])
def test_a_resident_not_of_this_community_is_refused_and_nothing_changes(
    client, worker, logged, neighbour, guess
):
    if guess == "another community's":
        guess = make_resident(neighbour, name="外社区居民", phone="13600001111").pk
    client.force_login(worker)
    response = client.post(
        "/en" + reverse("desks:edit", args=[logged.pk]), edit_data(logged, guess)
    )
    assert response.status_code == 422
    assert "That resident is not one of this community" in response.text
    assert "外社区居民" not in response.text and "于海燕" not in response.text
    logged.refresh_from_db()
    assert logged.resident.name == "王秀英" and not RequestChange.objects.exists()


def test_after_a_refused_edit_the_posted_resident_stays_chosen(client, worker, logged, residents):
    client.force_login(worker)
    data = {**edit_data(logged, residents["yu_1"].pk), "count": "0"}
    body = client.post(reverse("desks:edit", args=[logged.pk]), data).text
    assert f'value="{residents["yu_1"].pk}" checked' in body and "138****5678" in body
    assert "137****9876" not in body


# Each read of a resident on the edit page leaves one access record (docs/privacy.md).

CLIENT = "203.0.113.8"


def test_opening_the_edit_page_records_one_view_of_its_resident(
    client, worker, community, logged, residents
):
    client.force_login(worker)
    response = client.get(reverse("desks:edit", args=[logged.pk]), REMOTE_ADDR=CLIENT)
    assert response.status_code == 200
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED and record.resident == residents["wang"]
    assert (record.user, record.community, record.ip_address) == (worker, community, CLIENT)


def test_the_edit_page_of_an_anonymous_request_records_nothing(client, worker, logged):
    logged.resident = None
    logged.save(update_fields=["resident"])
    client.force_login(worker)
    body = client.get(reverse("desks:edit", args=[logged.pk])).text
    assert "王秀英" not in body
    assert not AccessLog.objects.exists()


def test_a_refused_edit_records_a_view_of_the_resident_it_shows(client, worker, logged, residents):
    client.force_login(worker)
    data = {**edit_data(logged, residents["yu_1"].pk), "count": "0"}
    response = client.post(reverse("desks:edit", args=[logged.pk]), data, REMOTE_ADDR=CLIENT)
    assert response.status_code == 422 and "138****5678" in response.text
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED and record.resident == residents["yu_1"]


def test_a_saved_edit_records_no_view(client, worker, logged, residents):
    client.force_login(worker)
    data = edit_data(logged, residents["yu_1"].pk)
    assert client.post(reverse("desks:edit", args=[logged.pk]), data).status_code == 302
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEWED).exists()


def test_another_communitys_worker_cannot_open_the_edit_page_and_nothing_is_recorded(
    client, outsider, logged
):
    client.force_login(outsider)
    assert client.get(reverse("desks:edit", args=[logged.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_a_colleague_who_may_not_change_it_is_refused_unrecorded(client, colleague, logged):
    client.force_login(colleague)
    assert client.get(reverse("desks:edit", args=[logged.pk])).status_code == 403
    assert not AccessLog.objects.exists()


def test_the_search_on_the_edit_page_records_one_list_read_with_the_number_found(
    client, worker, community, logged, residents
):
    client.force_login(worker)
    client.post(
        reverse("desks:resident_search_for_edit"), {"resident_q": "于海燕"}, REMOTE_ADDR=CLIENT
    )
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.SEARCHED and record.resident_count == 2
    assert (record.user, record.community, record.ip_address) == (worker, community, CLIENT)


def test_an_empty_search_on_the_edit_page_records_nothing(client, worker, logged):
    client.force_login(worker)
    client.post(reverse("desks:resident_search_for_edit"), {"resident_q": "  "})
    assert not AccessLog.objects.exists()
