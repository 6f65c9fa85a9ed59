import pytest
from django.urls import reverse

from residents.models import AccessLog, Resident, Tag
from tests.residents.conftest import valid_id_number

pytestmark = pytest.mark.django_db

URL = reverse("residents:create")


def valid_data(**overrides):
    return {
        "name": "赵凤英",
        "phone": "13812345678",
        "estate": "和平里",
        "building": "3",
        "unit": "2",
        "room": "501",
        "birth_year": "1948",
        "id_number": "",
        "notes": "",
        "consent": "on",
        **overrides,
    }


def test_the_add_form_shows(client, cast):
    client.force_login(cast.worker_a)
    response = client.get(reverse("residents:add"))
    assert response.status_code == 200
    assert 'action="/desk/residents/create/"' in response.text


def test_it_adds_a_resident_to_the_worker_s_community(client, cast):
    client.force_login(cast.worker_a)
    tag = Tag.objects.get(name="外来务工")
    response = client.post(URL, valid_data(tags=[tag.pk]), REMOTE_ADDR="10.0.0.9")
    resident = Resident.objects.get(name="赵凤英")
    assert response.status_code == 302 and response.url == resident.get_absolute_url()
    assert resident.community == cast.a
    assert resident.address == "和平里3栋2单元501室"
    assert resident.birth_year == 1948
    assert list(resident.tags.all()) == [tag]
    assert resident.consent_recorded_by == cast.worker_a and resident.consent_at
    record = AccessLog.objects.get()
    assert (record.action, record.resident, record.ip_address) == ("added", resident, "10.0.0.9")
    assert "phone" in record.changed_fields


def test_it_keeps_only_the_hash_and_last_four_of_an_id_number(client, cast):
    client.force_login(cast.worker_a)
    number = valid_id_number(serial=7)
    client.post(URL, valid_data(id_number=number.lower()))
    resident = Resident.objects.get(name="赵凤英")
    assert resident.id_number_last4 == number[-4:]
    assert list(Resident.objects.with_id_number(number)) == [resident]


def test_a_worker_cannot_add_to_another_community(client, cast):
    client.force_login(cast.worker_a)
    client.post(URL, valid_data(community=cast.b.pk))
    assert Resident.objects.get(name="赵凤英").community == cast.a


def test_street_office_staff_choose_one_of_their_communities(client, cast):
    client.force_login(cast.staff_1)
    client.post(URL, valid_data(community=cast.b.pk))
    assert Resident.objects.get(name="赵凤英").community == cast.b


def test_another_street_office_cannot_add_to_our_community(client, cast):
    client.force_login(cast.staff_2)
    response = client.post(URL, valid_data(community=cast.a.pk))
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Resident.objects.filter(name="赵凤英").exists()


def test_a_worker_cannot_set_a_sensitive_tag(client, cast):
    client.force_login(cast.worker_a)
    sensitive = Tag.objects.get(name="残疾人")
    response = client.post(URL, valid_data(tags=[sensitive.pk]))
    assert response.status_code == 200
    assert "tags" in response.context["form"].errors
    assert not Resident.objects.filter(name="赵凤英").exists()


def test_it_rejects_get(client, cast):
    client.force_login(cast.worker_a)
    assert client.get(URL).status_code == 405


def test_it_requires_login(client, cast):
    response = client.post(URL, valid_data())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Resident.objects.filter(name="赵凤英").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("phone", "12345", "Enter a mainland mobile number"),
        ("phone", "1381234567", "Enter a mainland mobile number"),
        ("birth_year", "1850", "greater than or equal to 1900"),
        ("birth_year", "2999", "cannot be in the future"),
        ("birth_year", "soon", "Enter a whole number."),
        ("id_number", "110105194912310021", "not a valid ID number"),
        ("id_number", "1101051949", "not a valid ID number"),
        ("consent", "", "Ask the resident for consent"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(client, cast, field, value, message):
    client.force_login(cast.worker_a)
    data = valid_data(**{field: value})
    if field == "consent":
        del data["consent"]
    response = client.post("/en" + URL, data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert not Resident.objects.filter(name="赵凤英").exists()
    assert not AccessLog.objects.exists()


def test_bad_input_is_explained_in_chinese_by_default(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(URL, valid_data(id_number="110105194912310021"))
    assert "身份证号码" in response.text


def test_a_duplicate_phone_in_the_community_is_caught(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(URL, valid_data(phone=cast.resident_a.phone))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert Resident.objects.filter(community=cast.a).count() == 1


def test_a_duplicate_id_number_in_the_community_is_caught(client, cast):
    number = valid_id_number(serial=9)
    cast.resident_a.set_id_number(number)
    cast.resident_a.save()
    client.force_login(cast.staff_1)
    response = client.post(URL, valid_data(community=cast.a.pk, id_number=number))
    assert response.status_code == 200
    assert "已登记" in " ".join(response.context["form"].errors["id_number"])
    assert not response.context["form"].non_field_errors()


def test_the_same_phone_in_another_community_is_not_a_duplicate(client, cast):
    client.force_login(cast.worker_a)
    client.post(URL, valid_data(phone=cast.resident_b.phone))
    assert Resident.objects.filter(community=cast.a, phone=cast.resident_b.phone).exists()


def test_a_phone_registered_by_another_desk_meanwhile_is_a_form_error(client, cast, monkeypatch):
    """The form's check missed it (a concurrent save); the registration refuses it."""
    real_find_duplicate = Resident.find_duplicate
    calls = []

    def misses_it_the_first_time(resident):
        calls.append(resident)
        return None if len(calls) == 1 else real_find_duplicate(resident)

    monkeypatch.setattr(Resident, "find_duplicate", misses_it_the_first_time)
    client.force_login(cast.worker_a)
    response = client.post(URL, valid_data(phone=cast.resident_a.phone))
    assert response.status_code == 200
    assert "已登记" in " ".join(response.context["form"].errors["phone"])
    assert Resident.objects.filter(community=cast.a).count() == 1
    assert not AccessLog.objects.exists()


def test_a_landline_needs_its_area_code(client, cast):
    client.force_login(cast.worker_a)
    response = client.post("/en" + URL, valid_data(phone="83456789"))
    assert "Enter a mainland mobile number" in " ".join(response.context["form"].errors["phone"])
    assert client.post(URL, valid_data(phone="021-83456789")).status_code == 302
