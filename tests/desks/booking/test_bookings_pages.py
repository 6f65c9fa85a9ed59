"""The resident's pages: /c/<slug>/book/, /b/<token>/, its cancel button and calendar file."""

import datetime as dt
import re
import runpy
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from desks.booking import bookings
from desks.models import Booking, BookingCapacity, DateOverride
from tests.clock import at
from tests.desks.booking.conftest import NOW, TONIGHT
from tests.factories import make_community, make_service_item

pytestmark = pytest.mark.usefixtures("now")

TONIGHT_KEY = "2026-11-24T18:00"


@pytest.fixture
def shared_cache(settings):
    """The limits count in the cache: a real one, as Redis is in production."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _post(client, community, item, window=TONIGHT_KEY, **fields):
    data = {
        "service_item": item.pk,
        "window": window,
        "name": "张三",
        "phone": "13912345678",
        "consent": "on",
        **fields,
    }
    return client.post(f"/c/{community.slug}/book/", data)


def _token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return re.fullmatch(r"/b/([^/]+)/", response["Location"])[1]


def test_it_lists_the_bookable_items(client, community, item, staffed):
    make_service_item(name="测血压", bookable=False)
    page = client.get(f"/c/{community.slug}/book/").content.decode()
    assert "居民医保参保登记" in page
    assert "测血压" not in page


def test_it_lists_the_open_windows_of_an_item(client, community, item, staffed):
    page = client.get(f"/c/{community.slug}/book/", {"service_item": item.pk}).content.decode()
    assert f"window={TONIGHT_KEY}" in page
    assert "window=2026-11-25T18:00" in page


def test_it_books_and_the_private_link_shows_the_code_and_materials(
    client, community, item, staffed
):
    token = _token(_post(client, community, item))
    booking = Booking.objects.get()
    page = client.get(f"/b/{token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert booking.code in text
    assert "身份证原件" in text
    assert "139****5678" in text
    assert "13912345678" not in text
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    assert booking.name == "张三" and booking.phone == "13912345678"
    # Same-origin only: the token never reaches another site, and the cancel form's
    # Origin stays one the CSRF check accepts.
    assert page["Referrer-Policy"] == "same-origin"


def test_the_link_holds_no_personal_data(client, community, item, staffed):
    response = _post(client, community, item)
    assert "13912345678" not in response["Location"]
    assert "张三" not in response["Location"]


def test_the_resident_cancels_from_the_link(client, community, item, staffed):
    token = _token(_post(client, community, item))
    response = client.post(f"/b/{token}/cancel/")
    assert response.status_code == 302
    assert Booking.objects.get().cancelled_at == NOW
    page = client.get(f"/b/{token}/").content.decode()
    assert "Cancel this booking" not in page and "取消预约" not in page


def test_cancel_rejects_get(client, community, item, staffed):
    token = _token(_post(client, community, item))
    assert client.get(f"/b/{token}/cancel/").status_code == 405
    assert Booking.objects.get().cancelled_at is None


def test_a_second_cancel_answers_409(client, community, item, staffed):
    token = _token(_post(client, community, item))
    client.post(f"/b/{token}/cancel/")
    assert client.post(f"/b/{token}/cancel/").status_code == 409


def test_a_forged_token_is_a_clear_404(client, community, item, staffed):
    token = _token(_post(client, community, item))
    forged = token[:-2] + ("xy" if token[-2:] != "xy" else "yz")
    for path in (f"/b/{forged}/", f"/b/{forged}/booking.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert (
            "预约链接无效" in response.content.decode() or "not valid" in response.content.decode()
        )
    assert client.post(f"/b/{forged}/cancel/").status_code == 404
    assert Booking.objects.get().cancelled_at is None


def test_the_booking_code_or_id_is_not_a_link(client, community, item, staffed):
    _token(_post(client, community, item))
    booking = Booking.objects.get()
    assert client.get(f"/b/{booking.code}/").status_code == 404
    assert client.get(f"/b/{booking.pk}/").status_code == 404


def test_the_calendar_file(client, community, item, staffed):
    token = _token(_post(client, community, item))
    response = client.get(f"/b/{token}/booking.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"consent": ""}, "consent"),
        ({"phone": "12345"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"name": ""}, "name"),
        ({"window": "tonight"}, "window"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(client, community, item, staffed, fields, field_error):
    response = _post(client, community, item, **fields)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Booking.objects.exists()


def test_an_item_that_cannot_be_booked_is_422(client, community, item, staffed):
    other = make_service_item(bookable=False)
    response = _post(client, community, other)
    assert response.status_code == 422
    assert not Booking.objects.exists()


def test_a_past_day_is_refused(client, community, item, staffed):
    response = _post(client, community, item, window="2026-11-23T18:00")
    assert response.status_code == 422
    assert not Booking.objects.exists()


def test_a_time_not_offered_is_refused(client, community, item, staffed):
    response = _post(client, community, item, window="2026-11-24T19:00")
    assert response.status_code == 409
    assert not Booking.objects.exists()


def test_a_full_window_is_refused_with_a_clear_message(client, community, item, staffed):
    BookingCapacity.objects.create(community=community, per_window=1)
    _token(_post(client, community, item, phone="13900000001"))
    response = _post(client, community, item, phone="13900000002")
    assert response.status_code == 409
    assert "约满" in response.content.decode() or "fully booked" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_closed_day_is_not_offered_and_refused(client, community, item, staffed):
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="台风")
    page = client.get(f"/c/{community.slug}/book/", {"service_item": item.pk}).content.decode()
    assert "2026-11-25T18:00" not in page
    response = _post(client, community, item, window="2026-11-25T18:00")
    assert response.status_code == 409
    assert not Booking.objects.exists()


def test_an_unknown_centre_is_404(client, item):
    assert client.get("/c/nowhere/book/").status_code == 404


def test_a_centre_of_another_community_cannot_take_this_centres_window(
    client, community, item, staffed, street_office
):
    elsewhere = make_community(street_office)
    response = _post(client, elsewhere, item)
    assert response.status_code == 409
    assert not Booking.objects.exists()


def test_a_flood_from_one_phone_is_429_and_stores_no_more(
    client, community, item, staffed, shared_cache
):
    for _ in range(bookings.BOOKINGS_PER_PHONE_PER_DAY):
        _token(_post(client, community, item))
    response = _post(client, community, item, window="2026-11-25T18:00")
    assert response.status_code == 429
    assert Booking.objects.count() == bookings.BOOKINGS_PER_PHONE_PER_DAY


def test_a_flood_from_one_device_is_429(client, community, item, staffed, shared_cache):
    for n in range(bookings.BOOKINGS_PER_DEVICE_PER_DAY):
        _token(_post(client, community, item, phone=f"1390000000{n}"))
    response = _post(client, community, item, phone="13900000099")
    assert response.status_code == 429
    assert Booking.objects.count() == bookings.BOOKINGS_PER_DEVICE_PER_DAY


def test_a_refused_booking_does_not_use_up_the_phones_allowance(
    client, community, item, staffed, shared_cache
):
    BookingCapacity.objects.create(community=community, per_window=1)
    _token(_post(client, community, item, phone="13900000001"))
    for _ in range(3):
        assert _post(client, community, item).status_code == 409
    assert _post(client, community, item, window="2026-11-25T18:00").status_code == 302


def test_the_next_day_has_a_new_allowance(client, community, item, staffed, shared_cache, clock):
    for _ in range(bookings.BOOKINGS_PER_PHONE_PER_DAY):
        _token(_post(client, community, item))
    clock.stop_at(at(2026, 11, 25, 9))
    assert _post(client, community, item, window="2026-11-25T18:00").status_code == 302


def test_the_link_shows_a_booking_a_closure_affected(client, community, item, staffed):
    token = _token(_post(client, community, item, window="2026-11-25T18:00"))
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="停电")
    text = client.get(f"/b/{token}/").content.decode()
    assert "停电" in text
    assert "book-affected" in text


def test_the_community_page_links_to_booking(client, community, item, staffed):
    assert f"/c/{community.slug}/book/" in client.get(f"/c/{community.slug}/").content.decode()


def test_the_community_page_has_no_link_without_bookable_items(client, community, staffed):
    make_service_item(bookable=False)
    assert "/book/" not in client.get(f"/c/{community.slug}/").content.decode()


def test_the_windows_page_costs_the_same_queries_with_many_bookings(
    client, community, item, staffed, worker, colleague, head
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(f"/c/{community.slug}/book/", {"service_item": item.pk}).status_code
                == 200
            )
        return len(captured)

    few = queries()
    for n in range(12):
        starts = TONIGHT + dt.timedelta(days=n % 2)
        bookings.book(community, item, starts, name="李", phone=f"1380000{n:04d}", now=NOW)
    assert queries() == few


def test_the_link_page_costs_a_fixed_number_of_queries(
    client, community, item, staffed, django_assert_max_num_queries
):
    token = _token(_post(client, community, item))
    with django_assert_max_num_queries(6):
        assert client.get(f"/b/{token}/").status_code == 200


def test_gunicorns_access_log_keeps_no_booking_token():
    conf = runpy.run_path(str(Path(__file__).resolve().parents[3] / "gunicorn.conf.py"))
    hide = conf["without_calendar_secret"]
    line = 'GET /b/AbC-123_x/cancel/ HTTP/1.1 "https://example.org/en/b/AbC-123_x/"'
    assert "AbC-123_x" not in hide(line)
    assert hide("/desk/me/s3cret.ics") == "/desk/me/….ics"
    assert hide("/c/heping/book/") == "/c/heping/book/"


def test_a_kept_link_to_a_full_window_says_so(client, community, item, staffed):
    BookingCapacity.objects.create(community=community, per_window=1)
    _token(_post(client, community, item, phone="13900000001"))
    response = client.get(
        f"/c/{community.slug}/book/", {"service_item": item.pk, "window": TONIGHT_KEY}
    )
    assert response.status_code == 409
    assert 'name="phone"' not in response.content.decode()


def test_a_centre_that_takes_no_bookings_refuses_a_post(client, community, item, staffed):
    BookingCapacity.objects.create(community=community, per_window=0)
    assert _post(client, community, item).status_code == 409
    assert not Booking.objects.exists()
