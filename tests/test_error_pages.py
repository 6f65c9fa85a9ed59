"""Error pages for people: what happened and where to go, Chinese by default, never technical."""

import datetime as dt

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import Client
from django.urls import path, reverse

from desks.models import Vote
from desks.rota.duty import make_slots
from servicedesk.urls import urlpatterns as site_urlpatterns
from tests.clock import at
from tests.factories import make_request, make_service_item

pytestmark = pytest.mark.django_db

TECHNICAL = ("Traceback", "Forbidden", "CSRF", "Referer", "DEBUG", "Exception", "secret-detail")


def boom(request):
    raise RuntimeError("secret-detail of a failure")


# The site's URLs, plus a page that fails (for the 500 tests below).
urlpatterns = [
    *site_urlpatterns,
    *i18n_patterns(path("boom/", boom), prefix_default_language=False),
]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def assert_for_people(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    for word in TECHNICAL:
        assert word not in response.text, word
    assert 'class="error-next"' in response.text


def test_a_wrong_link_is_a_chinese_404_with_the_way_back(client):
    response = client.get("/c/nowhere/")
    assert_for_people(response, 404)
    assert '<html lang="zh-hans">' in response.text and "页面未找到" in response.text
    assert 'href="/"' in response.text and 'href="/accounts/login/"' in response.text


def test_a_wrong_link_under_en_is_an_english_404(client):
    response = client.get("/en/c/nowhere/")
    assert_for_people(response, 404)
    assert '<html lang="en">' in response.text and "Page not found" in response.text
    assert 'href="/en/"' in response.text


def test_a_logged_in_worker_is_sent_back_to_the_desk_from_a_404(client, worker):
    client.force_login(worker)
    response = client.get("/en/desk/requests/999999/edit/")
    assert_for_people(response, 404)
    assert 'href="/en/desk/"' in response.text and worker.display_name in response.text


def test_a_change_the_worker_may_not_make_is_a_403_page_for_people(
    client, clock, community, worker, colleague
):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    logged = make_request(
        community, make_service_item(), colleague, at(2026, 11, 24, 19), slot=slot
    )
    client.force_login(worker)
    response = client.get(reverse("desks:edit", args=[logged.pk]))
    assert_for_people(response, 403)
    assert '<html lang="zh-hans">' in response.text and 'href="/desk/"' in response.text
    english = client.get(f"/en/desk/requests/{logged.pk}/edit/")
    assert_for_people(english, 403)
    assert "Not allowed" in english.text and "community head" in english.text


def test_an_expired_form_is_a_page_for_people_and_stores_nothing(community):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("desks:vote", args=[community.slug]), {"wish": "太极拳", "service_item": ""}
    )
    assert_for_people(response, 403)
    assert '<html lang="zh-hans">' in response.text
    assert not Vote.objects.exists()
    english = client.post(f"/en/c/{community.slug}/vote/", {"wish": "太极拳"})
    assert_for_people(english, 403)
    assert "The form has expired" in english.text and "reload the page" in english.text


def test_a_damaged_request_is_a_400_page_for_people(client):
    response = client.get("/?office=%00")
    assert_for_people(response, 400)
    assert '<html lang="zh-hans">' in response.text
    english = client.get("/en/?office=%00")
    assert_for_people(english, 400)
    assert "Cannot understand this request" in english.text


@pytest.mark.urls(__name__)
def test_a_failure_is_a_500_page_that_needs_no_database_and_tells_nothing_technical(
    client, django_assert_num_queries
):
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/boom/")
    assert_for_people(response, 500)
    assert '<html lang="zh-hans">' in response.text
    english = client.get("/en/boom/")
    assert_for_people(english, 500)
    assert "Something went wrong" in english.text and 'href="/en/desk/"' in english.text
