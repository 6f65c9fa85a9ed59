"""The admin's sidebar, kept rendered per list of apps: the same as Django renders it,
and never another person's or another language's."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from desks.core.nav_sidebar import nav_sidebar

pytestmark = pytest.mark.django_db


def sidebar(html: str) -> str:
    return re.search(r'<nav class="sticky" id="nav-sidebar".*?</nav>', html, re.S).group(0)


def apps(*models: str) -> list[dict]:
    return [
        {
            "name": "Desks",
            "app_label": "desks",
            "app_url": "/admin/desks/",
            "has_module_perms": True,
            "models": [
                {
                    "name": model,
                    "object_name": model,
                    "perms": {"view": True},
                    "admin_url": f"/admin/desks/{model.lower()}/",
                    "add_url": None,
                    "view_only": True,
                }
                for model in models
            ],
        }
    ]


def test_the_report_page_has_the_sidebar_of_the_admin_pages(client, office, community):
    client.force_login(office)
    elsewhere = client.get("/en/admin/password_change/").text  # no model of its own
    report = client.get("/en/admin/reports/").text
    assert 'id="nav-sidebar"' in report
    assert sidebar(report) == sidebar(elsewhere)


def test_the_same_apps_give_what_django_renders():
    request = RequestFactory().get("/admin/reports/")
    available = apps("Community", "Resident")
    expected = render_to_string(
        "admin/nav_sidebar.html", {"available_apps": available, "request": request}
    )
    assert nav_sidebar(request, available) == expected
    assert nav_sidebar(request, apps("Community", "Resident")) == expected


def test_fewer_apps_give_a_shorter_sidebar_not_the_one_kept():
    request = RequestFactory().get("/admin/reports/")
    nav_sidebar(request, apps("Community", "Resident"))
    fewer = nav_sidebar(request, apps("Community"))
    assert "Community" in fewer and "Resident" not in fewer


def test_each_language_gets_its_own_sidebar():
    request = RequestFactory().get("/admin/reports/")
    with translation.override("en"):
        english = nav_sidebar(request, apps("Community"))
    with translation.override("zh-hans"):
        chinese = nav_sidebar(request, apps("Community"))
    assert "Toggle navigation" in english and "Toggle navigation" not in chinese


def test_the_page_it_is_on_is_marked_current():
    available = apps("Community")
    elsewhere = nav_sidebar(RequestFactory().get("/admin/reports/"), available)
    here = nav_sidebar(RequestFactory().get("/admin/desks/community/"), available)
    assert 'aria-current="page"' in here and 'aria-current="page"' not in elsewhere
