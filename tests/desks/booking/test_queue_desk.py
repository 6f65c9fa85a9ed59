"""The desk's queue panel: taking a number for a resident, calling the next (叫号), skip
(过号), recall, and the logged request closing the ticket. Workers of the ticket's
community only."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.booking import queue
from desks.models import QueueTicket, ServiceRequest, TicketStatus
from tests.clock import at
from tests.factories import PASSWORD, make_resident, make_service_item

pytestmark = pytest.mark.django_db

OPEN = at(2026, 11, 24, 19, 0)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _evening(clock):
    clock.stop_at(OPEN)


@pytest.fixture(autouse=True)
def _in_english(english):
    """English pages (/en/…), so that tests match the messages whatever their translation."""


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def desk(client, worker):
    client.login(username=worker.username, password=PASSWORD)
    return client


def log_data(item, **extra):
    return {
        "service_item": item.pk,
        "resident": "",
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "notes": "",
        "proxy_name": "",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


POSTS = ["queue_desk_take", "queue_call_next"]
TICKET_POSTS = ["queue_skip", "queue_recall"]


def test_the_desk_home_loads_the_queue_panel(desk):
    page = desk.get(reverse("desks:home")).text
    assert f'hx-get="{reverse("desks:queue_panel")}"' in page


@pytest.mark.parametrize("name", POSTS)
def test_a_logged_out_visitor_is_sent_to_log_in(client, community, name):
    response = client.post(reverse(f"desks:{name}"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("desks:queue_panel")).status_code == 302


@pytest.mark.parametrize("name", POSTS)
def test_street_office_staff_have_no_queue_to_call(client, office, name, item):
    client.login(username=office.username, password=PASSWORD)
    assert client.post(reverse(f"desks:{name}"), {"service_item": item.pk}).status_code == 403
    assert QueueTicket.objects.count() == 0


@pytest.mark.parametrize("name", POSTS)
def test_a_get_changes_nothing(desk, name):
    assert desk.get(reverse(f"desks:{name}")).status_code == 405


def test_a_worker_takes_a_number_for_a_resident(desk, worker, community, item):
    response = desk.post(reverse("desks:queue_desk_take"), {"service_item": item.pk}, headers=HTMX)

    ticket = QueueTicket.objects.get()
    assert (ticket.community, ticket.taken_by, ticket.label) == (community, worker, "A001")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="desk-queue"')
    assert "A001" in response.text
    assert "no-store" in response["Cache-Control"]


def test_the_number_may_name_a_resident_of_this_community(desk, community, item):
    resident = make_resident(community)
    posted = {"service_item": item.pk, "resident": resident.pk}
    assert desk.post(reverse("desks:queue_desk_take"), posted, headers=HTMX).status_code == 200
    assert QueueTicket.objects.get().resident == resident


def test_another_communitys_or_an_anonymised_resident_is_refused(desk, community, neighbour, item):
    gone = make_resident(community)
    gone.anonymise(now=OPEN)
    for resident in (make_resident(neighbour), gone):
        posted = {"service_item": item.pk, "resident": resident.pk}
        response = desk.post(reverse("desks:queue_desk_take"), posted, headers=HTMX)
        assert response.status_code == 422
        assert "not one of this community" in response.text
    assert QueueTicket.objects.count() == 0


@pytest.mark.parametrize("posted", [{}, {"service_item": "999999"}, {"service_item": "1 OR 1"}])
def test_an_unknown_matter_takes_no_number(desk, posted):
    response = desk.post(reverse("desks:queue_desk_take"), posted, headers=HTMX)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert QueueTicket.objects.count() == 0


def test_calling_the_next_fills_the_log_form_with_its_matter_and_resident(
    desk, worker, community, item
):
    resident = make_resident(community)
    queue.take_number(community, item, OPEN, resident=resident)

    response = desk.post(reverse("desks:queue_call_next"), {"counter": "2"}, headers=HTMX)

    ticket = QueueTicket.objects.get()
    assert (ticket.status, ticket.called_by, ticket.counter) == (TicketStatus.CALLED, worker, 2)
    body = response.text
    assert "Calling A001: 居民医保参保登记." in body
    # The log form's matter and resident, out of band; the ticket rides with the form.
    assert re.search(r'id="item-results"[^>]*hx-swap-oob="true"', body)
    assert re.search(rf'name="service_item" value="{item.pk}" checked', body)
    assert re.search(rf'name="resident" value="{resident.pk}" checked', body)
    assert f'name="queue_ticket" value="{ticket.pk}" form="log-form" checked' in body


def test_calling_with_nobody_waiting_says_so(desk, community):
    response = desk.post(reverse("desks:queue_call_next"), {}, headers=HTMX)
    assert response.status_code == 200
    assert '<p class="queue-message" role="status">Nobody is waiting.</p>' in response.text


def test_a_bad_counter_is_refused(desk, community, item):
    queue.take_number(community, item, OPEN)
    response = desk.post(reverse("desks:queue_call_next"), {"counter": "99"}, headers=HTMX)
    assert response.status_code == 422
    assert "desk-refused" in response["HX-Trigger"]
    assert QueueTicket.objects.get().status == TicketStatus.WAITING


def test_saving_the_log_form_serves_the_called_ticket(desk, worker, community, item):
    ticket = queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN)

    response = desk.post(reverse("desks:log"), log_data(item, queue_ticket=ticket.pk), headers=HTMX)

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED
    assert ticket.request == ServiceRequest.objects.get()


def test_the_same_form_twice_serves_the_ticket_once(desk, worker, community, item):
    ticket = queue.take_number(community, item, OPEN)
    data = log_data(item, queue_ticket=ticket.pk)
    desk.post(reverse("desks:log"), data, headers=HTMX)
    desk.post(reverse("desks:log"), data, headers=HTMX)
    assert ServiceRequest.objects.count() == 1
    assert QueueTicket.objects.get().request == ServiceRequest.objects.get()


def test_a_rejected_log_form_leaves_the_ticket_called(desk, worker, community, item):
    ticket = queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN)
    data = log_data(item, queue_ticket=ticket.pk, count="0")
    assert desk.post(reverse("desks:log"), data, headers=HTMX).status_code == 422
    assert QueueTicket.objects.get().status == TicketStatus.CALLED


def test_another_communitys_ticket_is_never_served_from_this_desk(desk, community, neighbour, item):
    theirs = queue.take_number(neighbour, item, OPEN)
    desk.post(reverse("desks:log"), log_data(item, queue_ticket=theirs.pk), headers=HTMX)
    theirs.refresh_from_db()
    assert theirs.status == TicketStatus.WAITING and theirs.request is None


@pytest.mark.parametrize("name", TICKET_POSTS)
def test_another_communitys_or_a_guessed_ticket_is_a_404(desk, worker, neighbour, item, name):
    theirs = queue.take_number(neighbour, item, OPEN)
    queue.call_next(neighbour.pk, worker, OPEN)
    for pk in (theirs.pk, theirs.pk + 1000):
        assert desk.post(reverse(f"desks:{name}", args=[pk]), headers=HTMX).status_code == 404
    assert QueueTicket.objects.get().status == TicketStatus.CALLED


@pytest.mark.parametrize("name", TICKET_POSTS)
def test_a_logged_out_visitor_cannot_skip_or_recall(client, worker, community, item, name):
    ticket = queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN)
    response = client.post(reverse(f"desks:{name}", args=[ticket.pk]))
    assert response.status_code == 302
    assert QueueTicket.objects.get().status == TicketStatus.CALLED


def test_skip_then_recall(desk, worker, community, item):
    ticket = queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN, counter=1)

    skipped = desk.post(reverse("desks:queue_skip", args=[ticket.pk]), headers=HTMX)
    assert skipped.status_code == 200
    assert QueueTicket.objects.get().status == TicketStatus.SKIPPED
    # Skipping twice: the second finds it no longer called.
    again = desk.post(reverse("desks:queue_skip", args=[ticket.pk]), headers=HTMX)
    assert again.status_code == 409 and "desk-refused" in again["HX-Trigger"]

    recalled = desk.post(
        reverse("desks:queue_recall", args=[ticket.pk]), {"counter": "1"}, headers=HTMX
    )
    assert recalled.status_code == 200
    assert QueueTicket.objects.get().status == TicketStatus.CALLED


def test_a_waiting_ticket_cannot_be_recalled_out_of_turn(desk, community, item):
    ticket = queue.take_number(community, item, OPEN)
    response = desk.post(reverse("desks:queue_recall", args=[ticket.pk]), headers=HTMX)
    assert response.status_code == 409
    assert QueueTicket.objects.get().status == TicketStatus.WAITING


def test_without_javascript_the_desk_answers_a_redirect(desk, community, item):
    queue.take_number(community, item, OPEN)
    response = desk.post(reverse("desks:queue_call_next"), {})
    assert response.status_code == 302 and response["Location"] == reverse("desks:home")


def test_the_panel_poll_costs_the_same_queries_however_long_the_queue(
    desk, worker, community, item
):
    path = reverse("desks:queue_panel") + "?lists=1"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(path, headers=HTMX).status_code == 200
        return len(captured)

    queue.take_number(community, item, OPEN)
    queue.call_next(community.pk, worker, OPEN)
    queue.take_number(community, item, OPEN)
    few = queries()
    for _ in range(30):
        queue.take_number(community, make_service_item(), OPEN)
    for _ in range(5):
        queue.call_next(community.pk, worker, OPEN)
    assert queries() == few
