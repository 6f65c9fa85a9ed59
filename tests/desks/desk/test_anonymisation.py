"""Anonymising a resident clears what the desk wrote about them, through the desk's receiver."""

import json
import uuid

import pytest
from django.core.management import call_command

from desks.desk.anonymisation import FORGOTTEN, forget_resident
from desks.desk.request_log import delete_request, edit_request, log_request
from desks.models import CallBack, FollowUp, Outcome, Rating, RequestChange, ServiceRequest
from desks.voice import feedback
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


def test_the_change_history_keeps_no_copy_of_the_notes(resident, clock):
    clock.stop_at(NOW)
    request = log_for(resident)
    edit_request(request, request.logged_by, LOGGED, notes="张秘密 改了：住 3 栋 501", count=2)
    edit_request(request, request.logged_by, LOGGED, proxy_name="儿子 张大秘")
    call_command("anonymise_residents")
    changes = [change.changes for change in RequestChange.objects.filter(request=request)]
    assert len(changes) == 2
    text = json.dumps(changes, ensure_ascii=False)
    assert "秘" not in text and "501" not in text
    # Which field changed, and the count, are still there for the record.
    assert {"notes": ["", ""], "count": [1, 2]} in changes
    assert {"proxy_name": ["", ""]} in changes


def test_what_was_done_for_their_follow_ups_and_call_backs_and_their_comments_are_cleared(
    resident,
):
    request = log_for(resident, follow_up={"owner": None, "due_on": None})
    request.follow_up.close(request.logged_by, LOGGED, "给张秘密打了电话")
    rating = feedback.rate(feedback.invitation_for(request), 1, "张秘密说排队太久", LOGGED)
    call_back = CallBack.objects.get(rating=rating)
    call_back.close(request.logged_by, LOGGED, "回访张秘密")
    other = log_for(make_resident(resident.community), follow_up={"owner": None, "due_on": None})
    other.follow_up.close(other.logged_by, LOGGED, "别人的跟进")
    resident.anonymise(NOW)
    assert FollowUp.objects.get(request=request).resolution == FORGOTTEN
    assert CallBack.objects.get().resolution == FORGOTTEN
    assert Rating.objects.get().comment == ""
    assert FollowUp.objects.get(request=other).resolution == "别人的跟进"


def test_another_resident_s_history_is_kept(resident):
    other = log_for(make_resident(resident.community))
    edit_request(other, other.logged_by, LOGGED, notes="别人的新备注")
    resident.anonymise(NOW)
    assert RequestChange.objects.get().changes["notes"] == ["张秘密 的女儿来问低保", "别人的新备注"]
