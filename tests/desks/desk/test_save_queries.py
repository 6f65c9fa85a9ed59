"""What one desk save costs the database (issue 19): the htmx POST of the log form, signed
in, with CSRF, audit, idempotency and the slot. Run outside a test transaction, so the
statements counted are those a server sends (no savepoints of the test's own)."""

import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from desks.desk.request_log import log_request
from desks.models import Outcome, ServiceRequest
from desks.rota.duty import assign, make_slots
from tests.clock import at
from tests.factories import make_service_item

pytestmark = pytest.mark.django_db(transaction=True)

EVENING = at(2026, 11, 24, 19, 20)
# The user, the service item, the nearby slots, the INSERT, today's count. The session
# comes from the cache with CACHE_URL=redis://… (servicedesk/sessions.py); without a
# shared cache it is one query more.
SAVE_QUERIES = 5


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "servicedesk.sessions"
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def desk(community, worker):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    client.get(reverse("desks:home"))  # the CSRF cookie, as the desk page sets it
    return client


def save(desk, item):
    response = desk.post(
        reverse("desks:log"),
        {
            "service_item": item.pk,
            "channel": "walk_in",
            "outcome": "answered",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "served_at": EVENING.isoformat(),
        },
        headers={"HX-Request": "true", "X-CSRFToken": desk.cookies["csrftoken"].value},
    )
    assert response.status_code == 200, response.content
    return response


def stored(community, worker, item, n):
    for _ in range(n):
        log_request(
            community_id=community.pk,
            logged_by=worker,
            now=EVENING,
            idempotency_key=uuid.uuid4(),
            service_item=item,
            outcome=Outcome.ANSWERED,
        )


def test_a_desk_save_is_five_queries(cached_sessions, desk, item, django_assert_num_queries):
    save(desk, item)  # the first save of a session may write it (last seen)
    with django_assert_num_queries(SAVE_QUERIES) as queries:
        response = save(desk, item)
    tables = [re.search(r'(?:FROM|INTO) "(\w+)"', q["sql"])[1] for q in queries.captured_queries]
    assert tables == [
        "desks_user",
        "desks_serviceitem",
        "desks_dutyslot",
        "desks_servicerequest",  # INSERT
        "desks_servicerequest",  # COUNT
    ]
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">2</strong>' in response.text


def test_without_a_shared_cache_the_session_is_one_query_more(
    desk, item, django_assert_num_queries
):
    save(desk, item)
    with django_assert_num_queries(SAVE_QUERIES + 1):
        save(desk, item)


def test_a_save_costs_the_same_with_5_or_500_requests_stored(
    cached_sessions, desk, community, worker, item, django_assert_num_queries
):
    stored(community, worker, item, 5)
    save(desk, item)
    with django_assert_num_queries(SAVE_QUERIES):
        save(desk, item)
    stored(community, worker, item, 492)
    with django_assert_num_queries(SAVE_QUERIES):
        response = save(desk, item)
    assert ServiceRequest.objects.count() == 500
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">500</strong>' in (
        response.text
    )
