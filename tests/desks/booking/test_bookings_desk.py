"""The desk's side of bookings: today's list, 到了 (arrival fills the log form), the save that
honours the booking, and who may do any of it."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.booking import bookings
from desks.booking import queue as walk_in_queue
from desks.models import Booking, DateOverride, QueueTicket, TicketStatus
from residents.models import AccessLog, Resident
from tests.clock import at
from tests.desks.booking.conftest import NOW, TOMORROW_EVENING, TONIGHT, staff
from tests.factories import make_resident

EVENING = at(2026, 11, 24, 18, 10)


@pytest.fixture(autouse=True)
def _evening(clock, staffed):
    clock.stop_at(EVENING)


def _book(community, item, phone="13912345678", starts_at=TONIGHT, name="张三"):
    return bookings.book(community, item, starts_at, name=name, phone=phone, now=NOW).booking


def _arrive(client, booking, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("desks:booking_arrived", args=[booking.pk]), headers=headers)


def test_the_desk_shows_todays_bookings_with_masked_phones(client, worker, community, item):
    booking = _book(community, item)
    _book(community, item, phone="13900000001", starts_at=TOMORROW_EVENING, name="明天来")
    client.force_login(worker)
    page = client.get(reverse("desks:home")).content.decode()
    assert booking.code in page
    assert "139****5678" in page and "13912345678" not in page
    assert "明天来" not in page


def test_the_desk_page_records_one_list_read_of_the_booked(client, worker, community, item):
    _book(community, item)
    _book(community, item, phone="13900000001")
    client.force_login(worker)
    client.get(reverse("desks:home"))
    record = AccessLog.objects.get(action=AccessLog.Action.SEARCHED, user=worker)
    assert record.resident_count == 2


def test_the_desk_shows_a_booking_a_closure_affected(client, head, community, item):
    _book(community, item)
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 24), reason="停电")
    client.force_login(head)
    page = client.get(reverse("desks:home")).content.decode()
    assert "affected" in page


def test_the_desk_does_not_show_another_communitys_bookings(client, outsider, community, item):
    booking = _book(community, item)
    client.force_login(outsider)
    assert booking.code not in client.get(reverse("desks:home")).content.decode()


def test_arrived_fills_the_form_with_the_item_and_the_resident(client, worker, community, item):
    booking = _book(community, item)
    client.force_login(worker)
    response = _arrive(client, booking)
    assert response.status_code == 200
    text = response.content.decode()
    resident = Resident.objects.get(phone="13912345678")
    assert f'name="service_item" value="{item.pk}" checked' in text
    assert f'name="resident" value="{resident.pk}" checked> 张三' in text
    assert 'id="guide"' in text and "身份证原件" in text
    assert f'id="booking-{booking.pk}" class="booking-row status-arrived' in text
    booking.refresh_from_db()
    assert booking.arrived_at == EVENING and booking.resident == resident


def test_a_second_tap_keeps_the_first_arrival_time(client, worker, community, item, clock):
    booking = _book(community, item)
    client.force_login(worker)
    _arrive(client, booking)
    clock.stop_at(EVENING + dt.timedelta(minutes=5))
    assert _arrive(client, booking).status_code == 200
    booking.refresh_from_db()
    assert booking.arrived_at == EVENING
    assert Resident.objects.count() == 1


def test_arrived_finds_the_registered_resident(client, worker, community, item):
    known = make_resident(community, phone="13912345678", name="张三丰")
    booking = _book(community, item)
    client.force_login(worker)
    _arrive(client, booking)
    booking.refresh_from_db()
    assert booking.resident == known
    assert Resident.objects.count() == 1
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEWED, resident=known).exists()


def test_arrived_without_javascript_redirects_to_the_form_with_the_item(
    client, worker, community, item
):
    booking = _book(community, item)
    client.force_login(worker)
    response = _arrive(client, booking, htmx=False)
    assert response.status_code == 302
    assert f"item={item.pk}" in response.url


def test_saving_the_filled_form_honours_the_booking_and_records_the_wait(
    client, worker, community, item, clock
):
    booking = _book(community, item)
    client.force_login(worker)
    _arrive(client, booking)
    resident = Resident.objects.get()
    clock.stop_at(EVENING + dt.timedelta(minutes=12))
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": item.pk,
            "resident": resident.pk,
            "channel": "walk_in",
            "outcome": "done",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.request is not None
    assert booking.waited == dt.timedelta(minutes=12)
    assert booking.status_at(EVENING) == Booking.Status.HONOURED


def test_arrived_rejects_get(client, worker, community, item):
    booking = _book(community, item)
    client.force_login(worker)
    assert client.get(reverse("desks:booking_arrived", args=[booking.pk])).status_code == 405
    assert Booking.objects.get().arrived_at is None


def test_arrived_requires_login(client, community, item):
    booking = _book(community, item)
    response = _arrive(client, booking, htmx=False)
    assert response.status_code == 302 and reverse("login") in response.url
    assert Booking.objects.get().arrived_at is None


def test_another_communitys_booking_is_404(client, outsider, community, item):
    booking = _book(community, item)
    client.force_login(outsider)
    assert _arrive(client, booking).status_code == 404
    assert Booking.objects.get().arrived_at is None
    assert not Resident.objects.exists()


def test_a_guessed_booking_id_is_404(client, worker, community, item):
    booking = _book(community, item)
    client.force_login(worker)
    assert (
        client.post(reverse("desks:booking_arrived", args=[booking.pk + 1000])).status_code == 404
    )


def test_arrived_for_a_cancelled_booking_is_409(client, worker, community, item):
    booking = _book(community, item)
    bookings.cancel(booking, NOW)
    client.force_login(worker)
    response = _arrive(client, booking)
    assert response.status_code == 409
    assert "HX-Trigger" in response
    assert not Resident.objects.exists()


def test_the_desk_page_costs_the_same_queries_with_few_or_many_bookings(
    client, worker, colleague, head, community, item
):
    staff(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24), [worker, colleague], head)
    _book(community, item)
    client.force_login(worker)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("desks:home"))
    for n in range(5):
        booking = _book(community, item, phone=f"1380000{n:04d}")
        if n % 2:
            bookings.arrive(booking, worker, EVENING, None)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("desks:home"))
    assert response.content.decode().count('class="booking-row') == 6
    assert len(many) == len(few)


def test_a_refused_save_without_javascript_still_shows_the_bookings(
    client, worker, community, item
):
    booking = _book(community, item)
    client.force_login(worker)
    response = client.post(reverse("desks:log"), {"idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 422
    assert booking.code in response.content.decode()


def test_the_head_is_told_of_later_bookings_a_closure_affected(
    client, head, worker, community, item
):
    _book(community, item, starts_at=TOMORROW_EVENING)
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="停电")
    client.force_login(head)
    page = client.get(reverse("desks:home")).content.decode()
    assert "/admin/desks/booking/?affected=yes" in page
    client.force_login(worker)
    assert "?affected=yes" not in client.get(reverse("desks:home")).content.decode()


def test_arrived_with_a_booking_that_cannot_register_is_422(client, worker, community, item):
    booking = _book(community, item)
    Booking.objects.filter(pk=booking.pk).update(name="")  # e.g. cleared by an admin
    client.force_login(worker)
    response = _arrive(client, booking)
    assert response.status_code == 422
    assert not Resident.objects.exists()
    assert Booking.objects.get().arrived_at is None


def test_an_arrival_joins_the_queue_before_walk_ins_and_is_told_its_number(
    client, worker, community, item, english
):
    walk_in = walk_in_queue.take_number(community, item, EVENING - dt.timedelta(minutes=5))
    booking = _book(community, item)
    client.force_login(worker)
    said = _arrive(client, booking).content.decode()
    ticket = QueueTicket.objects.get(booking=booking)
    assert (ticket.label, ticket.due_at, ticket.resident) == (
        "B002",
        TONIGHT,
        Resident.objects.get(),
    )
    assert "number B002 in the queue" in said
    # Its time (18:00) has come: it is called before the walk-in who took A001 earlier.
    called = walk_in_queue.call_next(community.pk, worker, EVENING)
    assert called.pk == ticket.pk and walk_in.pk != ticket.pk
    # A second tap takes no second number.
    _arrive(client, booking)
    assert QueueTicket.objects.filter(booking=booking).count() == 1


def test_logging_the_booked_request_serves_its_queue_number(client, worker, community, item):
    booking = _book(community, item)
    client.force_login(worker)
    _arrive(client, booking)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": item.pk,
            "resident": Resident.objects.get().pk,
            "channel": "walk_in",
            "outcome": "done",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    ticket = QueueTicket.objects.get(booking=booking)
    booking.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED and ticket.request_id == booking.request_id
    assert walk_in_queue.call_next(community.pk, worker, EVENING) is None
