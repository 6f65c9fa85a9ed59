"""Bookings are residents' data: the admin shows them in scope only, audited; anonymising the
resident clears them; two residents taking the last place at once: one wins."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from desks.booking import bookings
from desks.models import Booking, BookingCapacity, DateOverride, Role
from residents.models import AccessLog
from tests.clock import at
from tests.desks.booking.conftest import NOW, TOMORROW_EVENING, TONIGHT, staff
from tests.factories import (
    make_community,
    make_resident,
    make_service_item,
    make_street_office,
    make_user,
)


def _book(community, item, phone="13912345678", starts_at=TONIGHT):
    return bookings.book(community, item, starts_at, name="张三", phone=phone, now=NOW).booking


@pytest.fixture
def booked(now, community, item, staffed):
    return _book(community, item)


def test_the_head_sees_their_bookings_in_the_admin_with_one_list_record(client, head, booked):
    client.force_login(head)
    page = client.get(reverse("admin:desks_booking_changelist"))
    assert page.status_code == 200
    assert booked.code in page.text
    assert "139****5678" in page.text and "13912345678" not in page.text
    assert AccessLog.objects.filter(user=head, action=AccessLog.Action.SEARCHED).count() == 1


def test_a_head_of_another_community_cannot_see_the_booking(client, neighbour, booked):
    other_head = make_user(Role.HEAD, community=neighbour, username="other-head")
    client.force_login(other_head)
    assert booked.code not in client.get(reverse("admin:desks_booking_changelist")).text
    change = reverse("admin:desks_booking_change", args=[booked.pk])
    assert client.get(change).status_code == 404


def test_office_staff_of_another_office_cannot_see_the_booking(client, other_office, booked):
    client.force_login(other_office)
    assert booked.code not in client.get(reverse("admin:desks_booking_changelist")).text
    assert client.get(reverse("admin:desks_booking_change", args=[booked.pk])).status_code == 404


def test_the_street_office_sees_the_booking(client, office, booked):
    client.force_login(office)
    assert booked.code in client.get(reverse("admin:desks_booking_changelist")).text


def test_the_admin_finds_bookings_a_closure_affected(client, head, community, item, booked):
    later = _book(community, item, phone="13900000001", starts_at=TOMORROW_EVENING)
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="停电")
    client.force_login(head)
    page = client.get(reverse("admin:desks_booking_changelist"), {"affected": "yes"}).text
    assert later.code in page
    assert booked.code not in page


def test_the_head_sets_the_capacity_of_their_community_only(client, head, neighbour, now):
    client.force_login(head)
    add = reverse("admin:desks_bookingcapacity_add")
    response = client.post(add, {"community": neighbour.pk, "per_window": 3})
    assert response.status_code == 200  # the form refuses a community out of scope
    assert not BookingCapacity.objects.exists()
    response = client.post(add, {"community": head.community_id, "per_window": 3})
    assert response.status_code == 302
    assert BookingCapacity.objects.get().per_window == 3


def test_anonymising_the_resident_clears_their_bookings(community, item, worker, booked):
    resident = bookings.arrive(booked, worker, at(2026, 11, 24, 18, 5), None)
    token_hash = booked.token_hash
    resident.anonymise(at(2026, 11, 30))
    booked.refresh_from_db()
    assert booked.name == "" and booked.phone == ""
    assert booked.anonymised_at == at(2026, 11, 30)
    assert booked.service_item == item  # still counted
    assert not Booking.objects.filter(token_hash=token_hash, anonymised_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_residents_taking_the_last_place_at_once_one_wins(clock):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    clock.stop_at(NOW)
    community = make_community(make_street_office())
    workers = [make_user(community=community), make_user(community=community)]
    head = make_user(Role.HEAD, community=community)
    staff(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24), workers, head)
    BookingCapacity.objects.create(community=community, per_window=1)
    item = make_service_item(bookable=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def take(phone):
        try:
            barrier.wait(timeout=10)
            bookings.book(community, item, TONIGHT, name="李", phone=phone, now=NOW)
            outcomes.append("booked")
        except bookings.BookingRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(p,)) for p in ("13900000001", "13900000002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert Booking.objects.filter(community=community).count() == 1


def test_forget_bookings_clears_names_and_phones_after_ninety_days(booked, clock):
    clock.stop_at(TONIGHT + dt.timedelta(hours=2) + bookings.PERSONAL_DATA_KEPT)
    call_command("forget_bookings", stdout=io.StringIO())
    booked.refresh_from_db()
    assert booked.name == "张三"  # not yet: the window ended exactly 90 days ago
    clock.stop_at(TONIGHT + dt.timedelta(days=91))
    out = io.StringIO()
    call_command("forget_bookings", stdout=out)
    booked.refresh_from_db()
    assert (booked.name, booked.phone) == ("", "")
    assert booked.anonymised_at is not None
    assert "1 bookings cleared" in out.getvalue()


def test_anonymising_also_clears_bookings_their_phone_made_but_never_kept(
    community, neighbour, item, booked
):
    resident = make_resident(community, name="张三", phone=booked.phone)
    elsewhere = Booking.objects.create(
        **{
            field.name: getattr(booked, field.name)
            for field in Booking._meta.concrete_fields
            if field.name not in ("id", "community", "token_hash", "code")
        },
        community=neighbour,
        token_hash="x" * 64,
        code="ZZZZZZ",
    )
    resident.anonymise(at(2026, 11, 30))
    booked.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (booked.name, booked.phone, booked.anonymised_at) == ("", "", at(2026, 11, 30))
    # Another community's booking with the same phone is not this resident's record.
    assert elsewhere.phone != "" and elsewhere.anonymised_at is None
