"""Staff see the queue's tickets in the admin: read-only, only their own communities'."""

import pytest
from django.urls import reverse

from desks.booking import queue
from desks.models import QueueTicket, Role
from tests.clock import at
from tests.factories import make_resident, make_service_item, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OPEN = at(2026, 11, 24, 19, 0)


@pytest.fixture
def ticket(community):
    resident = make_resident(community, name="张秀英", phone="13912345678")
    return queue.take_number(community, make_service_item(name="测血压"), OPEN, resident=resident)


def test_the_head_sees_their_tickets_without_the_resident_or_the_token(client, head, ticket):
    client.force_login(head)
    listing = client.get(reverse("admin:desks_queueticket_changelist"))
    assert listing.status_code == 200 and "A001" in listing.text
    change = client.get(reverse("admin:desks_queueticket_change", args=[ticket.pk])).text
    for secret in ("张秀英", "13912345678", ticket.token):
        assert secret not in listing.text and secret not in change


def test_tickets_are_read_only(client, office, ticket):
    client.force_login(office)
    change = reverse("admin:desks_queueticket_change", args=[ticket.pk])
    client.post(change, {"status": "served"})
    assert QueueTicket.objects.get().status == "waiting"
    assert client.get(reverse("admin:desks_queueticket_add")).status_code == 403
    delete = reverse("admin:desks_queueticket_delete", args=[ticket.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert QueueTicket.objects.count() == 1


def test_another_communitys_head_or_office_gets_a_404(client, ticket, other_office):
    change = reverse("admin:desks_queueticket_change", args=[ticket.pk])
    for stranger in (make_user(Role.HEAD, username="other-head"), other_office):
        client.force_login(stranger)
        assert client.get(change).status_code == 404
        assert "A001" not in client.get(reverse("admin:desks_queueticket_changelist")).text
