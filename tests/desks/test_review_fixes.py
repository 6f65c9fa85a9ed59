"""Holes found in review, each tried again here."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from desks.core.dates import Month
from desks.desk.request_log import delete_request, log_request
from desks.models import (
    Assignment,
    CompLeave,
    DateOverride,
    ExportRecord,
    FollowUp,
    Outcome,
    Role,
    ServiceRequest,
)
from desks.rota.duty import RotaError, assign, confirm_served, make_slots
from residents.models import AccessLog, Resident
from tests.factories import (
    make_community,
    make_resident,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _afternoon():
    with time_machine.travel(NOW, tick=False):
        yield


def test_checking_in_to_a_later_slot_is_a_message_not_an_error(client):
    community = make_community()
    worker = make_user(community=community)
    slot = make_slots(community, dt.date(2026, 11, 25), dt.date(2026, 11, 25))[0]
    assignment = assign(slot, worker)
    client.force_login(worker)
    url = reverse("desks:check_in", args=[assignment.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert client.post(reverse("desks:check_out", args=[assignment.pk])).status_code == 302
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None and assignment.checked_out_at is None


@pytest.mark.parametrize(
    "path", ["/?office=%00", "/api/hours/?community=%00", "/r/ab%00cd/", "/?date=2026%0011-24"]
)
def test_a_nul_character_is_a_400(client, path):
    assert client.get(path).status_code == 400


def test_a_posted_nul_character_is_a_400(client):
    client.force_login(make_user())
    response = client.post(reverse("desks:resident_search"), {"resident_q": "王\x00"})
    assert response.status_code == 400


def test_unicode_digits_are_not_numbers(client):
    make_community()
    assert client.get("/", {"page": "²"}).status_code in (200, 400, 404)
    worker = make_user()
    client.force_login(worker)
    assert client.get(reverse("desks:item_guide"), {"service_item": "²"}).status_code == 200
    item = make_service_item()
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": "²",
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()
    assert item.pk


def test_a_head_cannot_staff_another_communitys_slot_in_the_admin(client):
    office = make_street_office()
    mine, theirs = make_community(office), make_community(office)
    head = make_user(Role.HEAD, community=mine)
    their_worker = make_user(community=theirs)
    slot = make_slots(theirs, dt.date(2026, 11, 26), dt.date(2026, 11, 26))[0]
    client.force_login(head)
    response = client.post(
        reverse("admin:desks_assignment_add"),
        {"slot": slot.pk, "worker": their_worker.pk, "lent_by": head.pk},
    )
    assert response.status_code == 200  # the form again, with its error
    assert not Assignment.objects.exists()


def test_street_office_staff_cannot_close_another_offices_centre(client):
    mine, elsewhere = make_street_office(), make_street_office()
    theirs = make_community(elsewhere)
    client.force_login(make_user(Role.OFFICE, street_office=mine))
    response = client.post(
        reverse("admin:desks_dateoverride_add"),
        {"community": theirs.pk, "date": "2026-12-01", "reason": "hack"},
    )
    assert response.status_code == 200
    assert not DateOverride.objects.exists()


def test_street_office_staff_cannot_move_a_community_to_another_office(client):
    mine = make_street_office()
    make_street_office()
    community = make_community(mine)
    client.force_login(make_user(Role.OFFICE, street_office=mine))
    page = client.get(reverse("admin:desks_community_change", args=[community.pk])).text
    assert 'name="street_office"' not in page


def test_export_records_are_seen_only_by_their_own_office(client):
    mine, elsewhere = make_street_office(), make_street_office()
    other_user = make_user(Role.OFFICE, street_office=elsewhere, username="westlake")
    ExportRecord.objects.create(
        user=other_user, exported_at=NOW, what="西湖街道 2026-10", file_format="csv"
    )
    client.force_login(make_user(Role.OFFICE, street_office=mine))
    body = client.get(reverse("admin:desks_exportrecord_changelist")).text
    assert "西湖街道 2026-10" not in body


def test_a_quick_add_never_attaches_the_visit_to_someone_else(client):
    community = make_community()
    make_resident(community, name="于建国", phone="13900000010")
    worker = make_user(community=community)
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "new_resident_name": "李四新",
            "new_resident_phone": "13900000010",
            "new_resident_consent": "on",
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()
    assert Resident.objects.count() == 1


def test_a_quick_add_is_recorded_and_a_desk_search_too(client):
    community = make_community()
    worker = make_user(community=community)
    client.force_login(worker)
    client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "answered",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "new_resident_name": "李四新",
            "new_resident_phone": "13900000011",
            "new_resident_consent": "on",
        },
    )
    assert AccessLog.objects.filter(action=AccessLog.Action.ADDED, user=worker).count() == 1
    client.post(reverse("desks:resident_search"), {"resident_q": "0011"})
    searched = AccessLog.objects.get(action=AccessLog.Action.SEARCHED)
    assert searched.user == worker and searched.resident_count == 1


def test_a_deleted_request_takes_its_follow_up_out_of_the_queue():
    community = make_community()
    worker = make_user(community=community)
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=NOW,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ACCEPTED,
        follow_up={"owner": worker},
    )
    assert FollowUp.objects.queue().count() == 1
    delete_request(request, worker, NOW)
    assert FollowUp.objects.queue().count() == 0


def test_a_follow_up_cannot_be_due_in_the_past(client):
    worker = make_user()
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {
            "service_item": make_service_item().pk,
            "outcome": "accepted",
            "channel": "walk_in",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
            "needs_follow_up": "on",
            "follow_up_due": "2020-01-01",
        },
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()


def test_a_head_confirms_others_duty_not_their_own():
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    slot = make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 23))[0]
    assignment = assign(slot, head)
    with pytest.raises(RotaError):
        confirm_served(assignment, head, NOW)
    assignment.refresh_from_db()
    assert assignment.confirmed_by is None


def test_a_head_does_not_approve_their_own_comp_leave():
    from desks.rota.comp_time import approve_leave

    community = make_community()
    head = make_user(Role.HEAD, community=community)
    leave = CompLeave.objects.create(
        worker=head, date=dt.date(2026, 12, 1), hours=1, created_at=NOW
    )
    with pytest.raises(RotaError):
        approve_leave(leave, head, NOW)
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.REQUESTED


@pytest.mark.parametrize("value", ["9999-12", "0001-01", "2026-13", "May"])
def test_a_month_outside_2000_2099_is_refused_by_the_rota_too(value):
    with pytest.raises(ValueError):
        Month.parse(value)


def test_anonymising_a_resident_clears_what_the_desk_wrote_about_them():
    community = make_community()
    worker = make_user(community=community)
    resident = make_resident(community, name="张秘密")
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=NOW,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ANSWERED,
        resident=resident,
        notes="张秘密 的女儿来问低保",
        proxy_name="女儿 张小秘",
    )
    resident.anonymise(NOW)
    request.refresh_from_db()
    assert request.notes == "" and request.proxy_name == ""
    assert ServiceRequest.objects.alive().count() == 1
