"""Anonymising a resident clears what the desk wrote about them, through the desk's receiver."""

import uuid

import pytest
from django.core.management import call_command

from desks.desk.anonymisation import forget_resident
from desks.desk.request_log import delete_request, log_request
from desks.models import Outcome, ServiceRequest
from residents.models import Resident
from residents.signals import resident_anonymised
from tests.clock import at
from tests.factories import make_community, make_resident, make_service_item, make_user

pytestmark = pytest.mark.django_db

LOGGED = at(2022, 11, 24, 19)
NOW = at(2026, 11, 24, 3)


@pytest.fixture
def resident():
    return make_resident(make_community(), name="张秘密")


def log_for(resident, **fields):
    request, _ = log_request(
        community_id=resident.community_id,
        logged_by=make_user(community=resident.community),
        now=LOGGED,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ANSWERED,
        resident=resident,
        notes="张秘密 的女儿来问低保",
        proxy_name="女儿 张小秘",
        **fields,
    )
    Resident.objects.filter(pk=resident.pk).update(last_active_at=LOGGED)
    return request


def test_the_nightly_command_clears_the_desk_s_notes_and_proxy_names(resident, clock):
    clock.stop_at(NOW)
    kept = log_for(resident)
    deleted = log_for(resident)
    delete_request(deleted, deleted.logged_by, LOGGED)
    call_command("anonymise_residents")
    for request in (kept, deleted):
        request.refresh_from_db()
        assert (request.notes, request.proxy_name) == ("", "")
        assert request.resident_id == resident.pk  # still counted for the resident's row
    assert ServiceRequest.objects.alive().count() == 1


def test_another_resident_s_requests_keep_their_notes(resident):
    other = log_for(make_resident(resident.community))
    resident.anonymise(NOW)
    other.refresh_from_db()
    assert other.notes == "张秘密 的女儿来问低保"


def test_the_desk_clears_its_notes_through_the_signal_not_the_residents_app(resident):
    request = log_for(resident)
    resident_anonymised.disconnect(dispatch_uid="desks.forget_resident")
    try:
        resident.anonymise(NOW)
    finally:
        resident_anonymised.connect(forget_resident, dispatch_uid="desks.forget_resident")
    request.refresh_from_db()
    assert request.notes == "张秘密 的女儿来问低保"


def test_anonymising_is_one_transaction_with_what_the_desk_clears(resident):
    request = log_for(resident)

    def fails(**kwargs):
        raise RuntimeError("the desk could not clear its notes")

    resident_anonymised.connect(fails, dispatch_uid="test.fails")
    try:
        with pytest.raises(RuntimeError):
            resident.anonymise(NOW)
    finally:
        resident_anonymised.disconnect(dispatch_uid="test.fails")
    resident.refresh_from_db()
    request.refresh_from_db()
    assert not resident.is_anonymised and resident.name == "张秘密"
    assert request.notes == "张秘密 的女儿来问低保"
