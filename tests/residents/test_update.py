import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AccessLog, Resident, Tag

pytestmark = pytest.mark.django_db


def url(resident):
    return reverse("residents:update", args=[resident.pk])


def data_of(resident, **overrides):
    return {
        "name": resident.name,
        "phone": resident.phone,
        "estate": resident.estate,
        "building": resident.building,
        "unit": resident.unit,
        "room": resident.room,
        "birth_year": resident.birth_year or "",
        "notes": resident.notes,
        "id_number": "",
        **overrides,
    }


def test_the_edit_form_shows_without_the_id_number(client, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.save()
    client.force_login(cast.head_a)
    response = client.get(reverse("residents:edit", args=[cast.resident_a.pk]))
    assert response.status_code == 200
    assert "**************002X" in response.text
    assert "consent" not in response.context["form"].fields


def test_the_edit_form_shows_a_duty_worker_no_part_of_the_id_number(client, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.save()
    client.force_login(cast.worker_a)
    response = client.get(reverse("residents:edit", args=[cast.resident_a.pk]))
    assert response.status_code == 200
    assert "002X" not in response.text


def test_it_saves_changes_and_records_which_fields(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, room="602"))
    assert response.status_code == 302
    cast.resident_a.refresh_from_db()
    assert cast.resident_a.room == "602"
    record = AccessLog.objects.get()
    assert record.action == "changed" and record.changed_fields == "room"
    assert "602" not in record.changed_fields


def test_an_empty_id_number_keeps_the_one_on_record(client, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.save()
    client.force_login(cast.worker_a)
    client.post(url(cast.resident_a), data_of(cast.resident_a, notes="需上门"))
    cast.resident_a.refresh_from_db()
    assert cast.resident_a.id_number_last4 == "002X"


def test_a_worker_s_save_keeps_the_sensitive_tags_they_cannot_see(client, cast):
    cast.resident_a.tags.set(Tag.objects.filter(name__in=["独居老人", "外来务工"]))
    client.force_login(cast.worker_a)
    client.post(url(cast.resident_a), data_of(cast.resident_a))
    assert {tag.name for tag in cast.resident_a.tags.all()} == {"独居老人"}


def test_it_is_404_for_another_community(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(url(cast.resident_b), data_of(cast.resident_b, name="改名"))
    assert response.status_code == 404
    assert client.get(reverse("residents:edit", args=[cast.resident_b.pk])).status_code == 404
    cast.resident_b.refresh_from_db()
    assert cast.resident_b.name == "李建国"


def test_it_is_404_for_another_street_office(client, cast):
    client.force_login(cast.staff_2)
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, name="改名"))
    assert response.status_code == 404


def test_it_rejects_get(client, cast):
    client.force_login(cast.worker_a)
    assert client.get(url(cast.resident_a)).status_code == 405


def test_it_requires_login(client, cast):
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, name="改名"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    cast.resident_a.refresh_from_db()
    assert cast.resident_a.name == "张桂英"


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("phone", "021-123"), ("birth_year", "1800"), ("id_number", "123456")],
)
def test_bad_input_changes_nothing(client, cast, field, value):
    client.force_login(cast.worker_a)
    before = Resident.objects.values().get(pk=cast.resident_a.pk)
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Resident.objects.values().get(pk=cast.resident_a.pk) == before
    assert not AccessLog.objects.exists()


def test_a_change_to_another_resident_s_phone_is_caught(client, cast):
    other = Resident.objects.create(community=cast.a, name="钱", phone="13700009999")
    client.force_login(cast.worker_a)
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, phone=other.phone))
    assert response.status_code == 200 and response.context["form"].errors["phone"]


def test_an_anonymised_resident_cannot_be_filled_in_again(client, cast):
    cast.resident_a.anonymise(timezone.now())
    client.force_login(cast.head_a)
    response = client.post(url(cast.resident_a), data_of(cast.resident_a, name="又来了"))
    assert response.status_code == 404
    assert client.get(reverse("residents:edit", args=[cast.resident_a.pk])).status_code == 404
    assert client.get(reverse("residents:detail", args=[cast.resident_a.pk])).status_code == 200
