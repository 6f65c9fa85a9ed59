"""Never losing a walk-in: the served time an entry kept offline is sent with, late entries
after a slot, and one request per form key, however often and however concurrently sent."""

import datetime as dt
import logging
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from desks.desk import request_log
from desks.models import Outcome, ServiceRequest
from desks.rota.duty import assign, make_slots
from residents.models import Resident
from tests.clock import at
from tests.factories import make_service_item

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 24)  # a Tuesday: the slot is 18:00–20:00
HTMX = {"HX-Request": "true"}


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记", materials="")


@pytest.fixture
def slot(community, worker):
    slot = make_slots(community, DAY, DAY)[0]
    assign(slot, worker)
    return slot


def post_data(item, **extra):
    return {
        "service_item": item.pk,
        "resident": "",
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def new_resident(**extra):
    return {
        "new_resident_name": "于海燕",
        "new_resident_phone": "13900007788",
        "new_resident_consent": "on",
        **extra,
    }


def log(client, data, language=""):
    """POST the log form as htmx does; `language` "/en" for the English page."""
    with translation.override("zh-hans"):  # an English answer leaves English active
        path = reverse("desks:log")
    return client.post(language + path, data, headers=HTMX)


# The served time


def test_an_entry_sent_late_counts_when_it_was_served(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 21, 17))
    client.force_login(worker)
    response = log(client, post_data(item, served_at="2026-11-24T11:55:00Z"))  # 19:55 local
    assert response.status_code == 200
    logged = ServiceRequest.objects.get()
    assert logged.logged_at == at(2026, 11, 24, 19, 55)
    assert logged.slot == slot and logged.in_extended_hours and not logged.is_late_entry
    assert logged.synced_late and logged.synced_at == at(2026, 11, 24, 21, 17)
    page = client.get("/en" + reverse("desks:home")).text
    assert "synced late, 11/24 21:17" in page and "regular hours</span>" not in page


def test_an_entry_sent_the_next_morning_counts_for_its_slot_and_the_note_is_for_now(
    client, clock, worker, slot, item
):
    """The save's slot and the next entry's note come from one lookup of nearby slots."""
    clock.stop_at(at(2026, 11, 25, 7, 50))  # 11 h 55 min after it was served
    client.force_login(worker)
    response = log(client, post_data(item, served_at="2026-11-24T19:55:00+08:00"), "/en")
    assert response.status_code == 200
    assert ServiceRequest.objects.get().slot == slot
    assert "counts as regular hours" in response.text  # the note: nothing in progress now


def test_an_entry_sent_at_once_is_not_flagged(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    log(client, post_data(item, served_at="2026-11-24T19:29:10+08:00"))
    logged = ServiceRequest.objects.get()
    assert logged.logged_at == at(2026, 11, 24, 19, 29, 10) and not logged.synced_late


def test_a_served_time_without_an_offset_is_shanghai_time(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    log(client, post_data(item, served_at="2026-11-24T19:05:00"))
    assert ServiceRequest.objects.get().logged_at == at(2026, 11, 24, 19, 5)


def test_a_device_clock_a_little_ahead_is_taken_as_now(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    assert log(client, post_data(item, served_at="2026-11-24T19:31:30+08:00")).status_code == 200
    assert ServiceRequest.objects.get().logged_at == at(2026, 11, 24, 19, 30)


@pytest.mark.parametrize(
    ("served_at", "message"),
    [
        ("2026-11-24T19:35:00+08:00", "is later than the server&#x27;s clock"),
        ("2026-11-25T19:00:00+08:00", "is later than the server&#x27;s clock"),
        ("2026-11-24T07:29:00+08:00", "served more than 12 hours ago"),
        ("2020-01-01T00:00:00Z", "served more than 12 hours ago"),
        ("yesterday at seven", "is not a date and time"),
        ("2026-13-45T99:00", "is not a date and time"),
    ],
)
def test_a_forged_served_time_stores_nothing_and_says_why(
    client, clock, worker, slot, item, served_at, message
):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    response = log(client, post_data(item, served_at=served_at, **new_resident()), "/en")
    assert response.status_code == 422
    assert message in response.text and 'class="form-errors"' in response.text
    assert not ServiceRequest.objects.exists() and not Resident.objects.exists()


def test_without_javascript_the_walk_in_is_served_now(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    assert client.post(reverse("desks:log"), post_data(item)).status_code == 302
    logged = ServiceRequest.objects.get()
    assert logged.logged_at == at(2026, 11, 24, 19, 30) and not logged.synced_late


# Late entries


def test_a_walk_in_logged_within_the_grace_counts_for_the_slot_as_a_late_entry(
    client, clock, worker, slot, item
):
    clock.stop_at(at(2026, 11, 24, 20, 29, 59))
    client.force_login(worker)
    log(client, post_data(item))
    logged = ServiceRequest.objects.get()
    assert logged.slot == slot and logged.is_late_entry
    assert ServiceRequest.objects.filter(ServiceRequest.extended_hours_condition()).count() == 1
    assert "late entry (补录)" in client.get("/en" + reverse("desks:home")).text


def test_after_the_grace_a_walk_in_counts_as_regular_hours(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 20, 30))
    client.force_login(worker)
    log(client, post_data(item))
    logged = ServiceRequest.objects.get()
    assert logged.slot is None and not logged.in_extended_hours and not logged.is_late_entry


def test_a_cancelled_slot_takes_no_late_entries(community, worker, slot, item):
    slot.cancelled_at = at(2026, 11, 24, 12)
    slot.save(update_fields=["cancelled_at"])
    assert request_log.slot_for(community.pk, at(2026, 11, 24, 20, 10)) is None


@pytest.mark.parametrize(
    ("moment", "note"),
    [
        ((19, 30), None),
        ((20, 10), "The slot ended at 20:00: entries saved until 20:30 still count for it"),
        ((20, 30), "an entry saved now counts as regular hours"),
        ((15, 0), "an entry saved now counts as regular hours"),
    ],
)
def test_the_form_says_before_saving_what_an_entry_will_count_for(
    client, clock, worker, slot, moment, note
):
    clock.stop_at(at(2026, 11, 24, *moment))
    client.force_login(worker)
    page = client.get("/en" + reverse("desks:home")).text
    assert 'id="hours-note"' in page
    if note is None:
        assert "counts as regular hours" not in page and "late entries" not in page
    else:
        assert note in page


def test_each_save_brings_the_note_up_to_date(client, clock, worker, slot, item):
    clock.stop_at(at(2026, 11, 24, 20, 40))
    client.force_login(worker)
    body = log(client, post_data(item), "/en").text
    assert 'id="hours-note" class="hours-note" hx-swap-oob="true"' in body
    assert "counts as regular hours" in body


# One request per form key


def test_the_same_form_with_a_new_resident_twice_stores_one_of_each(client, clock, worker, item):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    data = post_data(item, **new_resident())
    first, second = log(client, data), log(client, data)
    logged = ServiceRequest.objects.get()
    assert first.status_code == second.status_code == 200
    assert logged.resident == Resident.objects.get()
    for answer in (first, second):
        assert f'id="request-{logged.pk}"' in answer.text and "于海燕" in answer.text


def test_a_repeat_answers_the_first_even_if_the_rest_of_the_form_changed(
    client, clock, worker, item
):
    """A key is one entry: a replay with other fields neither adds nor changes anything."""
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    data = post_data(item, **new_resident())
    log(client, data)
    replay = log(client, {**data, "count": "0", "new_resident_name": "别人"})
    assert replay.status_code == 200
    assert ServiceRequest.objects.get().count == 1 and Resident.objects.get().name == "于海燕"


def test_a_retry_too_late_for_its_served_time_still_finds_its_first_copy(worker, item):
    """The key is not looked up before inserting; a time refused as too old still is."""
    key, served = uuid.uuid4(), at(2026, 11, 24, 19, 0)
    fields = {"community_id": worker.community_id, "logged_by": worker, "service_item": item}
    first, created = request_log.log_request(
        now=served, idempotency_key=key, served_at=served, outcome=Outcome.ANSWERED, **fields
    )
    next_day = served + request_log.SERVED_AT_MAX_AGE + dt.timedelta(minutes=1)
    again, created_again = request_log.log_request(
        now=next_day, idempotency_key=key, served_at=served, outcome=Outcome.DONE, **fields
    )
    assert created and not created_again and again == first
    assert ServiceRequest.objects.get().outcome == Outcome.ANSWERED
    with pytest.raises(ValidationError):
        request_log.log_request(
            now=next_day, idempotency_key=uuid.uuid4(), served_at=served, **fields
        )


def test_a_key_of_another_communitys_request_stores_nothing_and_says_why(
    client, clock, worker, outsider, item
):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    theirs, _ = request_log.log_request(
        community_id=outsider.community_id,
        logged_by=outsider,
        now=at(2026, 11, 24, 19, 10),
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ANSWERED,
    )
    client.force_login(worker)
    for data in (
        post_data(item, idempotency_key=str(theirs.idempotency_key), **new_resident()),
        post_data(item, idempotency_key=str(theirs.idempotency_key), count="0"),
    ):
        response = log(client, data, "/en")
        assert response.status_code == 422
        assert "This form belongs to another community" in response.text
        assert f'id="request-{theirs.pk}"' not in response.text
    assert ServiceRequest.objects.get() == theirs and not Resident.objects.exists()


@pytest.mark.parametrize("key", ["", "not-a-uuid", "1" * 200])
def test_a_missing_or_damaged_key_stores_nothing_and_says_why(client, clock, worker, item, key):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    response = log(client, post_data(item, idempotency_key=key, **new_resident()), "/en")
    assert response.status_code == 422 and "reload the page and log it again" in response.text
    assert not ServiceRequest.objects.exists() and not Resident.objects.exists()


def test_twenty_copies_one_after_another_store_one_of_each(client, clock, worker, item, caplog):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    client.force_login(worker)
    data = post_data(item, **new_resident())
    with caplog.at_level(logging.DEBUG):
        answers = [log(client, data) for _ in range(20)]
    logged = ServiceRequest.objects.get()
    assert {answer.status_code for answer in answers} == {200}
    assert all(f'id="request-{logged.pk}"' in answer.text for answer in answers)
    assert Resident.objects.count() == 1
    assert "13900007788" not in caplog.text and "于海燕" not in caplog.text


@pytest.fixture
def twenty_connections():
    """A pool as large as the test's threads, so that all twenty really run at once."""
    pool = connection.settings_dict["OPTIONS"]["pool"]
    size = pool["max_size"]
    connection.close_pool()
    pool["max_size"] = 24
    yield
    connection.close_pool()
    pool["max_size"] = size


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_copies_store_one_resident_and_one_request(
    request, clock, worker, item, caplog
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    request.getfixturevalue("twenty_connections")
    clock.stop_at(at(2026, 11, 24, 19, 30))
    data = post_data(item, **new_resident())
    signed_in = Client()
    signed_in.force_login(worker)
    barrier = threading.Barrier(20)
    answers = []

    def send():
        try:
            client = Client()
            client.cookies = signed_in.cookies
            barrier.wait(timeout=20)
            answers.append(log(client, data))
        finally:
            connections.close_all()

    with caplog.at_level(logging.DEBUG):
        threads = [threading.Thread(target=send) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    logged = ServiceRequest.objects.get()
    assert Resident.objects.count() == 1 and logged.resident == Resident.objects.get()
    assert sorted(answer.status_code for answer in answers) == [200] * 20
    assert all(f'id="request-{logged.pk}"' in answer.text for answer in answers)
    assert "13900007788" not in caplog.text


# The offline copy of the desk page


def test_the_service_worker_is_served_from_the_desk_and_holds_no_data(client):
    for language in ("", "/en"):
        response = client.get(language + reverse("desks:outbox_worker"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert response["Cache-Control"] == "no-cache" and b"caches" in response.content
