"""The booking rules (desks.booking.bookings): what is offered, capacity, cancelling,
affected bookings, arrival and the link to the request that serves it."""

import datetime as dt

import pytest

from desks.booking import bookings
from desks.models import Booking, DateOverride, RotaMonth, ServiceItem
from residents.models import AccessLog, Resident
from tests.clock import at
from tests.desks.booking.conftest import NOW, TOMORROW_EVENING, TONIGHT, staff
from tests.factories import make_request, make_resident, make_service_item

pytestmark = pytest.mark.usefixtures("now")


def _book(community, item, starts_at=TONIGHT, phone="13912345678", now=NOW):
    return bookings.book(community, item, starts_at, name="张三", phone=phone, now=now)


def test_it_offers_the_staffed_windows_of_the_next_fourteen_days(community, item, staffed):
    days = bookings.offered_days(community, item, NOW)
    assert days[0].date == dt.date(2026, 11, 24)
    assert days[-1].date <= dt.date(2026, 12, 7)
    assert days[0].windows[0].starts_at == TONIGHT
    assert days[0].windows[0].places_left == 6


def test_it_offers_nothing_without_a_published_rota(community, item, staffed):
    RotaMonth.objects.update(published_at=None, published_by=None)
    assert bookings.offered_days(community, item, NOW) == []


def test_it_leaves_out_a_window_short_of_workers(community, item, staffed, colleague):
    staffed[0].assignments.filter(worker=colleague).delete()
    days = bookings.offered_days(community, item, NOW)
    assert TONIGHT not in [w.starts_at for day in days for w in day.windows]
    assert TOMORROW_EVENING in [w.starts_at for day in days for w in day.windows]


def test_it_leaves_out_a_window_that_has_begun(community, item, staffed, clock):
    clock.stop_at(at(2026, 11, 24, 18, 0))
    days = bookings.offered_days(community, item, at(2026, 11, 24, 18, 0))
    assert days[0].date == dt.date(2026, 11, 25)


def test_it_leaves_out_a_closed_day(community, item, staffed):
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="台风")
    dates = [day.date for day in bookings.offered_days(community, item, NOW)]
    assert dt.date(2026, 11, 25) not in dates
    assert dt.date(2026, 11, 24) in dates


def test_a_full_window_shows_no_place_and_refuses_a_booking(
    community, item, staffed, small_capacity
):
    _book(community, item, phone="13900000001")
    _book(community, item, phone="13900000002")
    window = bookings.offered_days(community, item, NOW)[0].windows[0]
    assert window.is_full
    with pytest.raises(bookings.BookingRefused) as refused:
        _book(community, item, phone="13900000003")
    assert refused.value.status == 409
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_its_place(community, item, staffed, small_capacity):
    first = _book(community, item, phone="13900000001").booking
    _book(community, item, phone="13900000002")
    bookings.cancel(first, NOW)
    assert bookings.offered_days(community, item, NOW)[0].windows[0].places_left == 1


def test_an_item_limit_caps_its_own_bookings_only(community, item, staffed):
    item.booking_limit = 1
    item.save(update_fields=["booking_limit"])
    other = make_service_item(bookable=True)
    _book(community, item, phone="13900000001")
    with pytest.raises(bookings.BookingRefused):
        _book(community, item, phone="13900000002")
    assert _book(community, other, phone="13900000003").booking.pk


def test_a_centre_with_no_places_takes_no_bookings(community, item, staffed, small_capacity):
    small_capacity.per_window = 0
    small_capacity.save()
    assert not bookings.takes_bookings(community)
    with pytest.raises(bookings.BookingRefused):
        _book(community, item)


def test_a_past_window_is_refused_with_422(community, item, staffed):
    with pytest.raises(bookings.BookingRefused) as refused:
        _book(community, item, starts_at=at(2026, 11, 23, 18))
    assert refused.value.status == 422


def test_a_window_that_is_not_a_slot_is_refused(community, item, staffed):
    with pytest.raises(bookings.BookingRefused) as refused:
        _book(community, item, starts_at=at(2026, 11, 24, 19))
    assert refused.value.status == 409
    assert not Booking.objects.exists()


def test_a_booking_has_a_short_readable_code_and_a_long_token_stored_hashed(
    community, item, staffed
):
    made = _book(community, item)
    assert len(made.booking.code) == 6
    assert set(made.booking.code) <= set("ACDEFGHJKMNPQRTUVWXY34679")
    assert len(made.token) >= 40
    assert made.token not in made.booking.token_hash
    assert bookings.find(made.token) == made.booking


def test_a_forged_or_odd_token_finds_nothing(community, item, staffed):
    made = _book(community, item)
    assert bookings.find(made.token[:-1] + ("A" if made.token[-1] != "A" else "B")) is None
    assert bookings.find(made.booking.code) is None
    assert bookings.find(made.booking.token_hash) is None
    assert bookings.find("") is None
    assert bookings.find("汉" * 10) is None


def test_it_cannot_be_cancelled_twice_or_after_its_window_began(community, item, staffed):
    booking = _book(community, item).booking
    bookings.cancel(booking, NOW)
    with pytest.raises(bookings.BookingRefused):
        bookings.cancel(booking, NOW)
    later = _book(community, item, phone="13900000009").booking
    with pytest.raises(bookings.BookingRefused):
        bookings.cancel(later, TONIGHT)
    assert Booking.objects.get(pk=later.pk).cancelled_at is None


def test_a_closure_entered_after_booking_marks_it_affected_and_stops_new_bookings(
    community, item, staffed
):
    booking = _book(community, item, starts_at=TOMORROW_EVENING).booking
    assert not bookings.mark_affected([booking])[0].is_affected
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="停电")
    (marked,) = bookings.mark_affected([Booking.objects.get(pk=booking.pk)])
    assert marked.is_affected
    assert marked.affected_note == "停电"
    assert bookings.affected_upcoming([community], NOW) == [marked]
    with pytest.raises(bookings.BookingRefused):
        _book(community, item, starts_at=TOMORROW_EVENING, phone="13900000008")


def test_a_changed_window_marks_the_booking_affected(community, item, staffed):
    booking = _book(community, item, starts_at=TOMORROW_EVENING).booking
    DateOverride.objects.create(
        community=community,
        date=dt.date(2026, 11, 25),
        start=dt.time(19),
        end=dt.time(21),
        reason="活动",
    )
    assert bookings.mark_affected([Booking.objects.get(pk=booking.pk)])[0].is_affected


def test_status_becomes_no_show_after_the_window_unattended(community, item, staffed):
    booking = _book(community, item).booking
    assert booking.status_at(NOW) == Booking.Status.BOOKED
    assert booking.status_at(at(2026, 11, 24, 20)) == Booking.Status.NO_SHOW


def test_arrival_registers_a_new_resident_with_the_booking_consent(
    community, item, staffed, worker, clock
):
    booking = _book(community, item).booking
    clock.stop_at(at(2026, 11, 24, 18, 5))
    resident = bookings.arrive(booking, worker, at(2026, 11, 24, 18, 5), "127.0.0.1")
    assert resident.phone == "13912345678" and resident.name == "张三"
    assert resident.consent_at is not None
    booking.refresh_from_db()
    assert booking.arrived_at == at(2026, 11, 24, 18, 5)
    assert booking.resident == resident
    assert AccessLog.objects.filter(action=AccessLog.Action.ADDED, resident=resident).exists()


def test_arrival_finds_a_registered_resident_by_phone(community, item, staffed, worker):
    known = make_resident(community, phone="13912345678")
    booking = _book(community, item).booking
    assert bookings.arrive(booking, worker, at(2026, 11, 24, 18, 5), None) == known
    assert Resident.objects.count() == 1


def test_arrival_does_not_find_another_communitys_resident(
    community, neighbour, item, staffed, worker
):
    make_resident(neighbour, phone="13912345678")
    booking = _book(community, item).booking
    resident = bookings.arrive(booking, worker, at(2026, 11, 24, 18, 5), None)
    assert resident.community == community


def test_arrival_of_a_cancelled_or_other_day_booking_is_refused(community, item, staffed, worker):
    cancelled = _book(community, item).booking
    bookings.cancel(cancelled, NOW)
    with pytest.raises(bookings.BookingRefused):
        bookings.arrive(cancelled, worker, at(2026, 11, 24, 18, 5), None)
    tomorrow = _book(community, item, starts_at=TOMORROW_EVENING, phone="13900000001").booking
    with pytest.raises(bookings.BookingRefused):
        bookings.arrive(tomorrow, worker, at(2026, 11, 24, 18, 5), None)
    assert not Booking.objects.filter(arrived_at__isnull=False).exists()


def test_the_request_logged_for_the_arrived_resident_honours_the_booking(
    community, item, staffed, worker
):
    booking = _book(community, item).booking
    resident = bookings.arrive(booking, worker, at(2026, 11, 24, 18, 10), None)
    other_item = ServiceItem.objects.create(category=item.category, name="其他")
    unrelated = make_request(
        community, other_item, worker, at(2026, 11, 24, 18, 20), resident=resident
    )
    assert bookings.honour(unrelated) == 0
    logged = make_request(community, item, worker, at(2026, 11, 24, 18, 30), resident=resident)
    assert bookings.honour(logged) == 1
    booking.refresh_from_db()
    assert booking.request == logged
    assert booking.status_at(at(2026, 11, 24, 18, 30)) == Booking.Status.HONOURED
    # Arrived at 18:10, after the window began at 18:00: the wait counts from arrival.
    assert booking.waited == dt.timedelta(minutes=20)
    again = make_request(community, item, worker, at(2026, 11, 24, 18, 40), resident=resident)
    assert bookings.honour(again) == 0


def test_an_early_arrival_waits_from_the_window_start(community, item, staffed, worker):
    booking = _book(community, item).booking
    resident = bookings.arrive(booking, worker, at(2026, 11, 24, 17, 50), None)
    logged = make_request(community, item, worker, at(2026, 11, 24, 18, 15), resident=resident)
    bookings.honour(logged)
    booking.refresh_from_db()
    assert booking.waited == dt.timedelta(minutes=15)


def test_an_anonymous_walk_in_honours_nothing(
    community, item, staffed, worker, django_assert_num_queries
):
    logged = make_request(community, item, worker, at(2026, 11, 24, 18, 30))
    with django_assert_num_queries(0):
        assert bookings.honour(logged) == 0


def test_the_calendar_file_has_the_window_address_and_materials(community, item, staffed):
    made = _book(community, item)
    text = bookings.ics(made.booking).decode()
    assert "DTSTART;TZID=Asia/Shanghai:20261124T180000" in text
    assert community.address in text
    assert "身份证原件" in text
    assert made.booking.code in text


def test_a_provisional_day_is_not_offered(community, item, worker, colleague, head, clock):
    # Nobody knows 2030's holiday arrangement yet: its days may still move.
    monday = at(2030, 3, 4, 10)
    clock.stop_at(monday)
    staff(community, dt.date(2030, 3, 4), dt.date(2030, 3, 17), [worker, colleague], head)
    assert bookings.offered_days(community, item, monday) == []
    with pytest.raises(bookings.BookingRefused):
        _book(community, item, starts_at=at(2030, 3, 4, 18), now=monday)


def test_the_report_s_filter_and_one_booking_s_status_agree(community, item, staffed, worker):
    phones = iter(f"1391234{n:04d}" for n in range(10))
    made = [_book(community, item, phone=next(phones)).booking for _ in range(5)]
    cancelled, arrived, served = made[:3]  # and two untouched: booked, then no-shows
    Booking.objects.filter(pk=cancelled.pk).update(cancelled_at=NOW)
    Booking.objects.filter(pk__in=[arrived.pk, served.pk]).update(arrived_at=TONIGHT)
    request = make_request(community, item, worker, TONIGHT)
    Booking.objects.filter(pk=served.pk).update(request=request)
    for moment in (TONIGHT, TONIGHT + dt.timedelta(hours=3)):  # before and after the window
        for status in Booking.Status.values:
            by_filter = set(
                Booking.objects.filter(Booking.status_condition(status, moment)).values_list(
                    "pk", flat=True
                )
            )
            one_by_one = {b.pk for b in Booking.objects.all() if b.status_at(moment) == status}
            assert by_filter == one_by_one, (status, moment)
