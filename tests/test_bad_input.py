"""Inputs that once made a 500: each is answered 400 or 404, and nothing is stored."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from desks.models import User

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
DATE_FIELDS = [
    (model, field.name)
    for model in REGISTERED
    for field in model._meta.get_fields()
    if isinstance(field, models.DateField) and not field.auto_created
]


@pytest.fixture
def superuser_client(client):
    client.force_login(
        User.objects.create_superuser("root", "root@example.org", "a long password 1")
    )
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(
    ("model", "field"), DATE_FIELDS, ids=[f"{m._meta.label}.{f}" for m, f in DATE_FIELDS]
)
@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_an_out_of_range_date_filter_is_not_a_server_error(superuser_client, model, field, part):
    url = admin_url(model, "changelist")
    response = superuser_client.get(url, {f"{field}__{part}": "2147483648"})
    expected = 400 if part == "year" else 200
    assert response.status_code in (expected, 302)


@pytest.mark.parametrize("model", REGISTERED, ids=[m._meta.label for m in REGISTERED])
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_a_non_numeric_id_in_an_admin_url_is_not_found(superuser_client, model, view):
    response = superuser_client.get(admin_url(model, view, "abc"))
    # 403 where the admin offers no delete at all; never a 500.
    assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize("path", ["/", "/en/desk/requests/", "/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "no-such-charset"])
def test_a_body_in_an_unreadable_charset_is_a_400(client, path, charset):
    client.cookies["csrftoken"] = "a" * 32
    body = "csrfmiddlewaretoken=aaaa&note=x".encode("utf-16")
    response = client.generic(
        "POST", path, body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )
    assert response.status_code == 400


def test_a_year_filter_within_range_still_works(superuser_client):
    response = superuser_client.get(
        reverse("admin:desks_servicerequest_changelist"), {"logged_at__year": "2026"}
    )
    assert response.status_code == 200


def test_the_api_says_why_it_cannot_read_the_body(client):
    response = client.generic(
        "POST",
        "/api/hours/",
        "csrfmiddlewaretoken=aaaa&note=x".encode("utf-16"),
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"error": "请求正文无法按其声明的字符集读取。"}
