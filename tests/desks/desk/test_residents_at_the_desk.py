"""The desk finds and registers residents through residents.directory, as /desk/residents/ does."""

import logging
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from desks.models import ServiceRequest
from residents.models import AccessLog, Resident
from tests.clock import at
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)
SEARCH = reverse("desks:resident_search")
LOG = reverse("desks:log")


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def worker(client, worker):
    client.force_login(worker)
    return worker


def quick_add(item, **extra):
    return {
        "service_item": item.pk,
        "outcome": "answered",
        "channel": "walk_in",
        "count": 1,
        "idempotency_key": str(uuid.uuid4()),
        "new_resident_name": "李四新",
        "new_resident_phone": "13900000011",
        "new_resident_consent": "on",
        **extra,
    }


def test_a_search_that_finds_nobody_is_recorded(client, worker):
    response = client.post("/en" + SEARCH, {"resident_q": "13900009999"})
    assert "Nobody found" in response.text
    record = AccessLog.objects.get()
    assert (record.action, record.user, record.resident_count) == ("searched", worker, 0)


def test_an_empty_search_finds_nobody_and_records_nothing(client, worker, community):
    make_resident(community, name="王秀英")
    response = client.post(SEARCH, {"resident_q": "  "})
    assert response.status_code == 200 and "王秀英" not in response.text
    assert not AccessLog.objects.exists()


def test_a_query_longer_than_any_name_is_explained_and_searches_nothing(client, worker, community):
    make_resident(community, name="王秀英")
    response = client.post("/en" + SEARCH, {"resident_q": "王" * 51})
    assert response.status_code == 200
    assert 'role="alert"' in response.text and "at most 50 characters" in response.text
    assert not AccessLog.objects.exists()


def test_the_desk_shows_at_most_eight_residents(client, worker, community):
    for n in range(9):
        make_resident(community, name=f"王{n}")
    response = client.post(SEARCH, {"resident_q": "王"})
    assert response.text.count('name="resident" value="') == 1 + 8  # Anonymous, then eight
    assert AccessLog.objects.get().resident_count == 8


def test_a_search_never_finds_a_resident_marked_anonymised(client, worker, community):
    resident = make_resident(community, name="王秀英")
    Resident.objects.filter(pk=resident.pk).update(anonymised_at=EVENING)
    assert "王秀英" not in client.post(SEARCH, {"resident_q": "王秀英"}).text


def test_a_logged_out_search_finds_nobody(client, community):
    make_resident(community, name="王秀英")
    response = client.post(SEARCH, {"resident_q": "王秀英"})
    assert response.status_code == 302 and "王秀英" not in response.text
    assert not AccessLog.objects.exists()


def test_a_quick_add_records_the_fields_given(client, worker):
    client.post(LOG, quick_add(make_service_item()))
    record = AccessLog.objects.get(action=AccessLog.Action.ADDED)
    assert record.user == worker and record.changed_fields == "name,phone"


def test_a_quick_add_with_a_landline_needs_its_area_code(client, worker):
    response = client.post(LOG, quick_add(make_service_item(), new_resident_phone="83456789"))
    assert response.status_code == 422
    assert not Resident.objects.exists() and not ServiceRequest.objects.exists()


def test_a_phone_registered_by_another_desk_meanwhile_is_a_form_error(
    client, worker, community, monkeypatch
):
    """The form's check missed it (a concurrent save); nothing is logged, the worker is told."""
    make_resident(community, name="于建国", phone="13900000011")
    real_find_duplicate = Resident.find_duplicate
    calls = []

    def misses_it_the_first_time(resident):
        calls.append(resident)
        return None if len(calls) == 1 else real_find_duplicate(resident)

    monkeypatch.setattr(Resident, "find_duplicate", misses_it_the_first_time)
    response = client.post(
        "/en" + LOG, quick_add(make_service_item()), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "already registered: find them by phone above" in response.text
    assert Resident.objects.count() == 1 and not ServiceRequest.objects.exists()
    assert not AccessLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_desks_registering_the_same_phone_at_once_log_one_walk_in(
    worker, head, community, caplog
):
    """Two forms (two keys), one new resident: one walk-in is logged with the resident,
    the other desk gets its form back with the reason (422), nothing else is stored."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    item = make_service_item()
    barrier = threading.Barrier(2)
    statuses = []

    def send(user):
        try:
            client = Client()
            client.force_login(user)
            data = quick_add(item, new_resident_phone="13900000077")
            barrier.wait(timeout=10)
            statuses.append(client.post(LOG, data, headers={"HX-Request": "true"}).status_code)
        finally:
            connections.close_all()

    with caplog.at_level(logging.DEBUG):
        threads = [threading.Thread(target=send, args=(user,)) for user in (worker, head)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(statuses) == [200, 422]
    resident = Resident.objects.get(phone="13900000077")
    assert ServiceRequest.objects.get().resident == resident
    assert "13900000077" not in caplog.text
