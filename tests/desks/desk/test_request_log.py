"""Logging a request: what the log form refuses, and what a save or a delete records."""

import uuid

import pytest
from django.urls import reverse

from desks.desk.request_log import delete_request, log_request
from desks.models import FollowUp, Outcome, ServiceRequest
from residents.models import AccessLog, Resident
from tests.clock import at
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db

AFTERNOON = at(2026, 11, 24, 15)


@pytest.fixture(autouse=True)
def _afternoon(clock):
    clock.stop_at(AFTERNOON)


def test_unicode_digits_are_not_numbers(client, worker):
    client.force_login(worker)
    assert client.get(reverse("desks:item_guide"), {"service_item": "²"}).status_code == 200
    make_service_item()
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": "²",
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()


def test_a_quick_add_never_attaches_the_visit_to_someone_else(client, community, worker):
    make_resident(community, name="于建国", phone="13900000010")
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "new_resident_name": "李四新",
            "new_resident_phone": "13900000010",
            "new_resident_consent": "on",
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()
    assert Resident.objects.count() == 1


def test_a_quick_add_is_recorded_and_a_desk_search_too(client, worker):
    client.force_login(worker)
    client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "new_resident_name": "李四新",
            "new_resident_phone": "13900000011",
            "new_resident_consent": "on",
        },
    )
    assert AccessLog.objects.filter(action=AccessLog.Action.ADDED, user=worker).count() == 1
    client.post(reverse("desks:resident_search"), {"resident_q": "0011"})
    searched = AccessLog.objects.get(action=AccessLog.Action.SEARCHED)
    assert searched.user == worker and searched.resident_count == 1


def test_a_follow_up_cannot_be_due_in_the_past(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "accepted",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "needs_follow_up": "on",
            "follow_up_due": "2020-01-01",
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()


def test_a_deleted_request_takes_its_follow_up_out_of_the_queue(community, worker):
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=AFTERNOON,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ACCEPTED,
        follow_up={"owner": worker},
    )
    assert FollowUp.objects.queue().count() == 1
    delete_request(request, worker, AFTERNOON)
    assert FollowUp.objects.queue().count() == 0
