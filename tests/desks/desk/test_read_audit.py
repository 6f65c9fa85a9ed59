"""The desk's pages that name residents on their rows (today's log, the follow-ups page)
and the admin's request form leave one access record a page, never one a row."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from desks.desk.request_log import log_request
from desks.models import Outcome
from desks.rota.duty import assign, make_slots
from desks.voice import feedback
from residents.models import AccessLog
from tests.clock import at
from tests.factories import make_request, make_resident, make_service_item

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)
CLIENT = "203.0.113.9"


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def slot(community, worker):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    return slot


def log_one(community, worker, item, **fields):
    logged, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ANSWERED,
        **fields,
    )
    return logged


# The desk page: today's log


def test_the_desk_page_records_one_list_read_of_the_residents_on_today_s_log(
    client, worker, slot, community, item
):
    residents = [make_resident(community, name=f"居民{n:02d}") for n in range(30)]
    for resident in residents:
        log_one(community, worker, item, resident=resident)
    log_one(community, worker, item, resident=residents[0])  # the same resident again
    log_one(community, worker, item)  # anonymous
    client.force_login(worker)
    body = client.get(reverse("desks:home"), REMOTE_ADDR=CLIENT).text
    assert "居民29" in body and "居民00" in body
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.SEARCHED and record.resident is None
    assert record.resident_count == 30  # residents shown, not rows
    assert (record.user, record.community, record.ip_address) == (worker, community, CLIENT)


def test_a_desk_page_whose_log_names_nobody_records_nothing(client, worker, slot, community, item):
    log_one(community, worker, item)
    client.force_login(worker)
    assert client.get(reverse("desks:home")).status_code == 200
    assert not AccessLog.objects.exists()


def test_an_anonymised_resident_on_the_log_is_not_counted(client, worker, slot, community, item):
    shown, anonymised = make_resident(community), make_resident(community)
    log_one(community, worker, item, resident=shown)
    log_one(community, worker, item, resident=anonymised)
    anonymised.anonymise(EVENING)
    client.force_login(worker)
    client.get(reverse("desks:home"))
    assert AccessLog.objects.get().resident_count == 1


def test_a_refused_save_without_javascript_records_the_page_it_shows_again(
    client, worker, slot, community, item
):
    log_one(community, worker, item, resident=make_resident(community))
    client.force_login(worker)
    data = {
        "service_item": item.pk,
        "channel": "walk_in",
        "outcome": "answered",
        "count": "0",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = client.post(reverse("desks:log"), data)
    assert response.status_code == 422 and 'id="tonight-log"' in response.text
    assert AccessLog.objects.get().resident_count == 1


def test_the_street_office_s_overview_names_nobody_and_records_nothing(client, office):
    client.force_login(office)
    assert client.get(reverse("desks:home")).status_code == 200
    assert not AccessLog.objects.exists()


# The follow-ups page


def test_the_follow_ups_page_records_one_list_read(client, head, worker, community):
    for n in range(3):
        resident = make_resident(community, name=f"跟进居民{n}")
        log_request(
            community_id=community.pk,
            logged_by=worker,
            now=EVENING,
            idempotency_key=uuid.uuid4(),
            service_item=make_service_item(),
            outcome=Outcome.ACCEPTED,
            resident=resident,
            follow_up={"owner": worker, "due_on": dt.date(2026, 11, 27)},
        )
    called = make_resident(community, name="回访居民")
    logged = make_request(
        community, make_service_item(), worker, EVENING - dt.timedelta(hours=1), resident=called
    )
    feedback.rate(feedback.invitation_for(logged), 1, "", EVENING)
    client.force_login(head)
    body = client.get(reverse("desks:follow_ups"), REMOTE_ADDR=CLIENT).text
    assert "跟进居民2" in body and "回访居民" in body
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.SEARCHED and record.resident_count == 4
    assert (record.user, record.community, record.ip_address) == (head, community, CLIENT)


def test_another_community_s_follow_ups_are_neither_shown_nor_recorded(
    client, worker, outsider, community
):
    resident = make_resident(community, name="跟进居民")
    log_request(
        community_id=community.pk,
        logged_by=worker,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ACCEPTED,
        resident=resident,
        follow_up={"owner": worker, "due_on": dt.date(2026, 11, 27)},
    )
    client.force_login(outsider)
    assert "跟进居民" not in client.get(reverse("desks:follow_ups")).text
    assert not AccessLog.objects.exists()


# The admin's form of one request names its resident


def test_the_admin_request_form_records_a_view_of_its_resident(client, office, worker, community):
    resident = make_resident(community, name="张桂英")
    logged = make_request(community, make_service_item(), worker, EVENING, resident=resident)
    client.force_login(office)
    url = reverse("admin:desks_servicerequest_change", args=[logged.pk])
    response = client.get(url, REMOTE_ADDR=CLIENT)
    assert response.status_code == 200 and "张桂英" in response.text
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED and record.resident == resident
    assert (record.user, record.community, record.ip_address) == (office, community, CLIENT)


def test_the_admin_form_of_an_anonymous_request_records_nothing(client, office, worker, community):
    logged = make_request(community, make_service_item(), worker, EVENING)
    client.force_login(office)
    url = reverse("admin:desks_servicerequest_change", args=[logged.pk])
    assert client.get(url).status_code == 200
    assert not AccessLog.objects.exists()


def test_another_office_cannot_open_the_admin_request_form_and_nothing_is_recorded(
    client, other_office, worker, community
):
    logged = make_request(
        community, make_service_item(), worker, EVENING, resident=make_resident(community)
    )
    client.force_login(other_office)
    url = reverse("admin:desks_servicerequest_change", args=[logged.pk])
    assert client.get(url).status_code == 404  # desks.admin.scope.OutOfScopeIs404
    assert not AccessLog.objects.exists()
