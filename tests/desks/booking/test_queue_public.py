"""The resident's side of the queue: taking a number at the door, the number's page, the TV,
the waiting count. Public, never cached, no personal data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.booking import queue
from desks.models import QueueTicket, TicketStatus
from tests.clock import at
from tests.factories import make_community, make_resident, make_service_item

pytestmark = pytest.mark.django_db

OPEN = at(2026, 11, 24, 19, 0)  # a Tuesday evening: open 18:00–20:00
CLOSED = at(2026, 11, 24, 15, 0)
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def shared_cache(settings):
    """A cache that counts (the tests' default stores nothing), empty at the start."""
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    cache.clear()


@pytest.fixture
def community():
    return make_community(name="和平社区", slug="heping")


@pytest.fixture(autouse=True)
def _in_english(english):
    """English pages (/en/…), so that tests match the messages whatever their translation."""


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def open_now(clock):
    clock.stop_at(OPEN)


def take_path(slug="heping"):
    return reverse("desks:queue_take", args=[slug])


def test_a_resident_takes_a_number_and_lands_on_its_page(client, community, item, open_now):
    page = client.get(take_path())
    assert page.status_code == 200
    assert "居民医保参保登记" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = client.post(take_path(), {"service_item": item.pk})

    ticket = QueueTicket.objects.get()
    assert (ticket.community, ticket.service_item, ticket.taken_by) == (community, item, None)
    assert response.status_code == 302
    assert response["Location"] == reverse("desks:queue_ticket", args=["heping", ticket.token])
    assert response.cookies[queue.TICKET_COOKIE].value == ticket.token
    assert response.cookies[queue.TICKET_COOKIE]["httponly"]

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "A001" in text
    assert "no-store" in page["Cache-Control"]
    # The take page links the number back to this device.
    assert ticket.token in client.get(take_path()).content.decode()


def test_a_closed_centre_gives_no_number_and_says_when_it_opens(client, community, item, clock):
    clock.stop_at(CLOSED)
    page = client.get(take_path())
    assert "18:00" in page.content.decode()
    assert 'name="service_item"' not in page.content.decode()

    response = client.post(take_path(), {"service_item": item.pk})

    assert response.status_code == 409
    assert QueueTicket.objects.count() == 0


@pytest.mark.parametrize("posted", [{}, {"service_item": "999999"}, {"service_item": "x"}])
def test_an_unknown_or_missing_matter_is_refused_with_a_message(
    client, community, item, open_now, posted
):
    response = client.post(take_path(), posted)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert QueueTicket.objects.count() == 0


def test_an_item_not_offered_in_extended_hours_cannot_be_queued_for(client, community, open_now):
    daytime_only = make_service_item(offered_in_extended_hours=False)
    response = client.post(take_path(), {"service_item": daytime_only.pk})
    assert response.status_code == 422
    assert QueueTicket.objects.count() == 0


def test_an_unknown_centre_is_a_404(client, open_now):
    assert client.get(take_path("nowhere")).status_code == 404
    assert client.get(reverse("desks:queue_screen", args=["nowhere"])).status_code == 404
    assert client.get(reverse("desks:queue_waiting", args=["nowhere"])).status_code == 404


def test_a_flood_from_one_device_is_stopped_for_the_day(
    client, community, item, open_now, shared_cache
):
    for _ in range(queue.TICKETS_PER_DEVICE):
        assert client.post(take_path(), {"service_item": item.pk}).status_code == 302

    response = client.post(take_path(), {"service_item": item.pk})

    assert response.status_code == 429
    assert f"{queue.TICKETS_PER_DEVICE} numbers have been taken" in response.text
    assert QueueTicket.objects.count() == queue.TICKETS_PER_DEVICE


def test_a_flood_from_one_address_with_fresh_cookies_is_stopped_too(
    client, community, item, open_now, shared_cache
):
    for _ in range(queue.TICKETS_PER_ADDRESS):
        client.cookies.clear()
        assert client.post(take_path(), {"service_item": item.pk}).status_code == 302
    client.cookies.clear()

    response = client.post(take_path(), {"service_item": item.pk})
    assert response.status_code == 429
    assert f"{queue.TICKETS_PER_ADDRESS} numbers have been taken" in response.text
    assert QueueTicket.objects.count() == queue.TICKETS_PER_ADDRESS


def test_a_forged_token_or_another_centres_token_is_a_404(client, community, item, open_now):
    ticket = queue.take_number(community, item, OPEN)
    other = make_community(slug="xingfu")
    forged = reverse("desks:queue_ticket", args=["heping", "x" * 32])
    foreign = reverse("desks:queue_ticket", args=[other.slug, ticket.token])
    too_long = reverse("desks:queue_ticket", args=["heping", "y" * 300])

    for path in (forged, foreign, too_long):
        response = client.get(path)
        assert response.status_code == 404
        assert "A001" not in response.content.decode()


def test_the_ticket_fragment_says_ahead_wait_and_when_called(
    client, community, worker, item, open_now
):
    for _ in range(2):
        queue.take_number(community, item, OPEN)
    mine = queue.take_number(community, item, OPEN)
    path = reverse("desks:queue_ticket", args=["heping", mine.token])
    htmx = {"headers": {"HX-Request": "true"}}

    fragment = client.get(path, **htmx).content.decode()
    assert fragment.lstrip().startswith('<div id="ticket-status"')
    assert '<strong class="ahead">2</strong>' in fragment
    assert f"{2 * queue.DEFAULT_SERVICE_MINUTES}" in fragment

    queue.call_next(community.pk, worker, OPEN)
    queue.call_next(community.pk, worker, OPEN)
    assert "You are next." in client.get(path, **htmx).content.decode()

    queue.call_next(community.pk, worker, OPEN, counter=2)
    called = client.get(path, **htmx).content.decode()
    assert "Your number is called!" in called
    assert "Please go to counter 2." in called


def test_the_ticket_fragment_costs_the_same_queries_however_long_the_queue(
    client, community, item, open_now
):
    queue.take_number(community, item, OPEN)
    mine = queue.take_number(community, item, OPEN)
    path = reverse("desks:queue_ticket", args=["heping", mine.token])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, headers={"HX-Request": "true"}).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(30):
        queue.take_number(community, item, OPEN, due_at=OPEN)
    assert queries() == few


def test_the_screen_shows_numbers_only(client, community, worker, item, open_now):
    resident = make_resident(community, name="张秀英", phone="13912345678")
    queue.take_number(community, item, OPEN, resident=resident)
    queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN, counter=1)

    page = client.get(reverse("desks:queue_screen", args=["heping"]))
    text = page.content.decode()

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "A001" in text and "A002" in text
    for personal in ("张秀英", "13912345678", "居民医保", worker.last_name + worker.first_name):
        assert personal not in text


def test_the_screen_fragment_costs_the_same_queries_however_long_the_queue(
    client, community, worker, item, open_now
):
    path = reverse("desks:queue_screen", args=["heping"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(path, headers={"HX-Request": "true"})
        return len(captured)

    queue.take_number(community, item, OPEN)
    few = queries()
    for _ in range(30):
        queue.take_number(community, item, OPEN)
    for _ in range(10):
        queue.call_next(community.pk, worker, OPEN)
    assert queries() == few


def test_the_waiting_count_shows_only_while_the_centre_is_open(client, community, item, clock):
    clock.stop_at(OPEN)
    for _ in range(3):
        queue.take_number(community, item, OPEN)
    path = reverse("desks:queue_waiting", args=["heping"])

    response = client.get(path)
    assert "3" in response.content.decode()
    assert "no-store" in response["Cache-Control"]

    clock.stop_at(CLOSED)
    assert "3" not in client.get(path).content.decode()


def test_the_community_page_loads_the_waiting_count_as_its_own_fragment(
    client, community, open_now
):
    page = client.get(reverse("desks:community", args=["heping"])).content.decode()
    assert reverse("desks:queue_waiting", args=["heping"]) in page


def test_the_door_qr_points_at_the_take_page(client, community):
    page = client.get(reverse("desks:queue_qr", args=["heping"])).content.decode()
    assert "<svg" in page
    assert "/c/heping/queue/" in page


def test_posting_to_the_screen_or_a_ticket_is_refused(client, community, item, open_now):
    ticket = queue.take_number(community, item, OPEN)
    assert client.post(reverse("desks:queue_screen", args=["heping"])).status_code == 405
    assert (
        client.post(reverse("desks:queue_ticket", args=["heping", ticket.token])).status_code == 405
    )
    assert QueueTicket.objects.get().status == TicketStatus.WAITING


def test_the_waiting_count_is_never_kept_by_the_page_cache(
    client, community, item, open_now, shared_cache
):
    path = reverse("desks:queue_waiting", args=["heping"])
    queue.take_number(community, item, OPEN)
    assert "1 waiting now" in client.get(path).text
    queue.take_number(community, item, OPEN)
    assert "2 waiting now" in client.get(path).text
    # The community page itself stays cached, and keeps loading the fragment.
    page = reverse("desks:community", args=["heping"])
    assert "public" in client.get(page)["Cache-Control"]


def test_the_waiting_count_costs_the_same_queries_however_long_the_queue(
    client, community, item, open_now, django_assert_num_queries
):
    path = reverse("desks:queue_waiting", args=["heping"])
    queue.take_number(community, item, OPEN)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for _ in range(30):
        queue.take_number(community, item, OPEN)
    with django_assert_num_queries(len(few.captured_queries)):
        assert "31 waiting now" in client.get(path).text


def test_the_number_page_varies_on_htmx(client, community, item, open_now):
    ticket = queue.take_number(community, item, OPEN)
    response = client.get(reverse("desks:queue_ticket", args=["heping", ticket.token]))
    assert "HX-Request" in response["Vary"]
