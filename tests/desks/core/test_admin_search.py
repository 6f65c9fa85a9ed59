"""The admin's search box puts its query in the URL (?q=): it never searches personal fields."""

import pytest
from django.contrib import admin
from django.urls import reverse

from desks.models import Role
from tests.clock import at
from tests.factories import make_request, make_resident, make_service_item, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Fields whose words are about a person: notes, names, phones, addresses, reasons.
PERSONAL = ("notes", "phone", "proxy_name", "resolution", "comment", "resident", "estate")


def test_no_admin_searches_a_personal_field():
    for model_admin in admin.site._registry.values():
        for field in model_admin.search_fields:
            assert not any(word in field for word in PERSONAL), (type(model_admin), field)


def test_searching_requests_by_a_note_or_a_phone_finds_nothing(client, office, community):
    item = make_service_item(name="居民医保参保登记")
    resident = make_resident(community, phone="13912345678")
    worker = make_user(community=community)
    make_request(
        community, item, worker, at(2026, 11, 24, 19), resident=resident, notes="张阿姨 13912345678"
    )
    client.force_login(office)
    url = reverse("admin:desks_servicerequest_changelist")
    for query in ("13912345678", "张阿姨"):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0
    found = client.get(url, {"q": "医保"})
    assert found.context["cl"].result_count == 1
    assert "use the resident search on the desk" in found.text


def test_searching_staff_by_phone_finds_nobody(client, office, community):
    make_user(Role.WORKER, community=community, username="zhao", phone="13700001111")
    client.force_login(office)
    url = reverse("admin:desks_user_changelist")
    assert client.get(url, {"q": "13700001111"}).context["cl"].result_count == 0
    assert client.get(url, {"q": "zhao"}).context["cl"].result_count == 1
