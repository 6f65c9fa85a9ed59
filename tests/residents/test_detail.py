import pytest
from django.urls import reverse

from residents.models import AccessLog, Tag

pytestmark = pytest.mark.django_db


def url(resident):
    return reverse("residents:detail", args=[resident.pk])


def test_it_shows_the_full_phone_and_records_the_view(client, cast):
    client.force_login(cast.worker_a)
    response = client.get(url(cast.resident_a), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert "13900001111" in response.text
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED
    assert (record.user, record.resident, record.ip_address) == (
        cast.worker_a,
        cast.resident_a,
        "10.1.2.3",
    )
    assert record.community == cast.a


def test_it_is_404_for_another_community_s_resident(client, cast):
    client.force_login(cast.worker_a)
    assert client.get(url(cast.resident_b)).status_code == 404
    assert not AccessLog.objects.exists()


def test_it_is_404_for_another_street_office(client, cast):
    client.force_login(cast.staff_2)
    assert client.get(url(cast.resident_a)).status_code == 404
    assert client.get(url(cast.resident_a), headers={"HX-Request": "true"}).status_code == 404


def test_it_requires_login(client, cast):
    response = client.get(url(cast.resident_a))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not AccessLog.objects.exists()


def test_it_is_never_cached(client, cast):
    client.force_login(cast.worker_a)
    response = client.get(url(cast.resident_a))
    assert "no-store" in response.headers["Cache-Control"]


def test_a_head_sees_sensitive_tags_a_worker_does_not(client, cast):
    cast.resident_a.tags.set(Tag.objects.filter(name__in=["低保户", "优抚对象"]))
    client.force_login(cast.worker_a)
    body = client.get(url(cast.resident_a)).text
    assert "优抚对象" in body and "低保户" not in body
    client.force_login(cast.head_a)
    assert "低保户" in client.get(url(cast.resident_a)).text


def test_it_shows_the_id_number_masked_to_a_head(client, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.save()
    client.force_login(cast.head_a)
    body = client.get(url(cast.resident_a)).text
    assert "**************002X" in body
    assert cast.resident_a.id_number_hash not in body


def test_a_duty_worker_sees_the_birth_year_but_not_the_last_four(client, cast):
    cast.resident_a.set_id_number("11010519491231002X")
    cast.resident_a.birth_year = 1949
    cast.resident_a.save()
    client.force_login(cast.worker_a)
    body = client.get(url(cast.resident_a)).text
    assert "1949" in body
    assert "002X" not in body
    assert cast.resident_a.id_number_hash not in body
