import csv
import io

import pytest
from django.urls import reverse

from residents.models import AccessLog, Tag

pytestmark = pytest.mark.django_db

URL = reverse("residents:export")


def rows_of(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_exports_the_visible_residents_with_masked_phones(client, cast):
    client.force_login(cast.staff_1)
    response = client.post(URL, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    _header, *rows = rows_of(response)
    assert {row[1] for row in rows} == {"张桂英", "李建国"}
    assert {row[2] for row in rows} == {"139****1111", "139****2222"}
    assert "13900001111" not in response.content.decode()
    record = AccessLog.objects.get()
    assert (record.action, record.resident_count, record.user) == ("exported", 2, cast.staff_1)
    assert record.ip_address == "10.9.9.9"


def test_a_worker_exports_their_community_only(client, cast):
    client.force_login(cast.worker_a)
    _, *rows = rows_of(client.post(URL))
    assert [row[1] for row in rows] == ["张桂英"]
    assert AccessLog.objects.get().community == cast.a


def test_another_street_office_exports_none_of_ours(client, cast):
    client.force_login(cast.staff_2)
    _, *rows = rows_of(client.post(URL))
    assert [row[1] for row in rows] == ["王秀兰"]


def test_sensitive_tags_leave_only_with_those_who_may_see_them(client, cast):
    cast.resident_a.tags.set(Tag.objects.filter(name__in=["残疾人", "外来务工"]))
    client.force_login(cast.worker_a)
    _, row = rows_of(client.post(URL))
    assert row[5] == "外来务工"
    client.force_login(cast.head_a)
    _, row = rows_of(client.post(URL))
    assert set(row[5].split("、")) == {"残疾人", "外来务工"}


def test_it_rejects_get(client, cast):
    client.force_login(cast.worker_a)
    assert client.get(URL).status_code == 405
    assert not AccessLog.objects.exists()


def test_it_requires_login(client, cast):
    response = client.post(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not AccessLog.objects.exists()
