import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AccessLog
from tests.residents.conftest import make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_admin(client, cast):
    client.force_login(cast.staff_1)
    return client


def test_the_street_office_lists_its_residents_with_masked_phones(office_admin, cast):
    body = office_admin.get(reverse("admin:residents_resident_changelist")).text
    assert "张桂英" in body and "李建国" in body and "王秀兰" not in body
    assert "139****1111" in body and "13900001111" not in body


def test_another_office_s_resident_is_not_found_in_the_admin(office_admin, cast):
    url = reverse("admin:residents_resident_change", args=[cast.resident_c.pk])
    response = office_admin.get(url)
    assert response.status_code == 302  # the admin redirects a missing object to its index
    assert not AccessLog.objects.exists()


def test_the_admin_shows_the_id_number_masked_and_never_its_hash(office_admin, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.save()
    url = reverse("admin:residents_resident_change", args=[cast.resident_a.pk])
    body = office_admin.get(url).text
    assert "**************002X" in body
    assert cast.resident_a.id_number_hash not in body
    assert AccessLog.objects.get().action == "viewed"


def test_a_head_s_change_in_the_admin_is_recorded(client, cast):
    client.force_login(cast.head_a)
    url = reverse("admin:residents_resident_change", args=[cast.resident_a.pk])
    response = client.post(
        url,
        {"community": cast.a.pk, "name": "张桂英", "phone": "13900001112", "notes": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = AccessLog.objects.filter(action="changed").get()
    assert record.user == cast.head_a and "phone" in record.changed_fields


def test_a_head_cannot_move_a_resident_to_another_community(client, cast):
    client.force_login(cast.head_a)
    url = reverse("admin:residents_resident_change", args=[cast.resident_a.pk])
    response = client.post(url, {"community": cast.b.pk, "name": "张桂英", "phone": ""})
    assert response.status_code == 200
    cast.resident_a.refresh_from_db()
    assert cast.resident_a.community == cast.a


def test_the_street_office_reviews_access_records_read_only(office_admin, cast):
    record = AccessLog.record(
        AccessLog.Action.VIEWED, user=cast.worker_a, ip_address="10.0.0.1", resident=cast.resident_a
    )
    assert office_admin.get(reverse("admin:residents_accesslog_changelist")).status_code == 200
    change = reverse("admin:residents_accesslog_change", args=[record.pk])
    assert office_admin.get(change).status_code == 200
    office_admin.post(change, {"action": "changed"})
    delete = reverse("admin:residents_accesslog_delete", args=[record.pk])
    assert office_admin.post(delete, {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=record.pk, action="viewed").exists()


@pytest.mark.parametrize("action", ["add", "change", "delete"])
def test_not_even_a_superuser_may_edit_access_records(client, rf, action):
    from django.contrib import admin

    superuser = make_superuser()
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[AccessLog]
    assert not getattr(model_admin, f"has_{action}_permission")(request)
    client.force_login(superuser)
    assert client.get(reverse("admin:residents_accesslog_add")).status_code == 403


def test_residents_are_added_at_the_desk_not_in_the_admin(office_admin, cast):
    assert office_admin.get(reverse("admin:residents_resident_add")).status_code == 403


def test_an_anonymised_resident_is_read_only_in_the_admin(client, cast):
    cast.resident_a.anonymise(timezone.now())
    client.force_login(cast.head_a)
    url = reverse("admin:residents_resident_change", args=[cast.resident_a.pk])
    client.post(url, {"community": cast.a.pk, "name": "又来了", "phone": ""})
    cast.resident_a.refresh_from_db()
    assert cast.resident_a.name == ""
