"""Two desks register or change residents at the same moment, on real PostgreSQL
transactions: one wins, the other is told why, nothing is doubled and nothing fails."""

import logging
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from residents.models import Resident
from tests.residents.conftest import valid_id_number
from tests.residents.test_create import valid_data
from tests.residents.test_update import data_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")


def at_once(*posts):
    """Send each (user, url, data) from its own thread and connection, all released at
    once by a barrier; return the responses in the same order."""
    barrier = threading.Barrier(len(posts))
    responses = [None] * len(posts)
    clients = []
    for user, _, _ in posts:
        client = Client()
        client.force_login(user)
        clients.append(client)

    def send(index):
        try:
            _, url, data = posts[index]
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def outcomes(responses):
    """Each answer named: a redirect to the resident is "saved", the form again "refused"."""
    named = {302: "saved", 200: "refused"}
    return sorted(named.get(response.status_code, "?") for response in responses)


def test_two_desks_adding_the_same_phone_at_once_add_one_resident(cast, caplog):
    url = "/en" + reverse("residents:create")
    data = valid_data(phone="13811112222")
    with caplog.at_level(logging.DEBUG):
        responses = at_once((cast.worker_a, url, data), (cast.head_a, url, data))
    assert outcomes(responses) == ["refused", "saved"]
    refused = next(response for response in responses if response.status_code == 200)
    assert refused.context["form"].has_error("phone", code="duplicate")
    assert Resident.objects.filter(community=cast.a, phone="13811112222").count() == 1
    assert "13811112222" not in caplog.text


def test_two_desks_adding_the_same_id_number_at_once_add_one_resident(cast, caplog):
    url = "/en" + reverse("residents:create")
    number = valid_id_number(serial=42)
    first = valid_data(phone="13811113333", id_number=number)
    second = valid_data(phone="13811114444", id_number=number)
    with caplog.at_level(logging.DEBUG):
        responses = at_once((cast.worker_a, url, first), (cast.head_a, url, second))
    assert outcomes(responses) == ["refused", "saved"]
    refused = next(response for response in responses if response.status_code == 200)
    assert refused.context["form"].has_error("id_number", code="duplicate")
    assert Resident.objects.with_id_number(number).count() == 1
    assert number not in caplog.text


def test_two_residents_changed_to_the_same_phone_at_once_keep_it_unique(cast, caplog):
    other = Resident.objects.create(community=cast.a, name="刘淑珍", phone="13900004444")
    posts = [
        (cast.worker_a, "/en" + reverse("residents:update", args=[resident.pk]),
         data_of(resident, phone="13811115555"))
        for resident in (cast.resident_a, other)
    ]  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        responses = at_once(*posts)
    assert outcomes(responses) == ["refused", "saved"]
    refused = next(response for response in responses if response.status_code == 200)
    assert refused.context["form"].has_error("phone", code="duplicate")
    assert Resident.objects.filter(phone="13811115555").count() == 1
    assert "13811115555" not in caplog.text
