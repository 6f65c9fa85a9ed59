"""The admin site (desks.core.admin_site): Django's app list, in Django's order."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from desks.core.admin_site import AdminSite
from desks.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def names(app_list) -> list[tuple[str, list[str]]]:
    return [(str(app["name"]), [str(model["name"]) for model in app["models"]]) for app in app_list]


def test_every_model_admin_registers_with_our_site():
    assert isinstance(admin.site, AdminSite)
    assert len(admin.site._registry) > 20


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ["superuser", Role.OFFICE])
def test_the_app_list_is_django_s_in_django_s_order(language, role):
    if role == "superuser":
        user = make_user(role=Role.OFFICE, is_superuser=True)
    else:
        user = make_user(role=role)
    request = RequestFactory().get("/admin/")
    request.user = user
    with translation.override(language):
        ours = admin.site.get_app_list(request)
        django_s = admin.AdminSite.get_app_list(admin.site, request)
        assert names(ours) == names(django_s)
        assert ours == django_s
        models = [name for _app, models in names(ours) for name in models]
    assert len(models) > (20 if role == "superuser" else 3)
