"""Every free-text field people type into keeps no ID number (residents.free_text): each one,
through real HTTP, stores the masked text and says so; text without one is kept as typed."""

import datetime as dt
import importlib
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from desks.desk.request_log import log_request
from desks.models import (
    Assignment,
    CallBack,
    CompLeave,
    DutySlot,
    FollowUp,
    Outcome,
    Rating,
    RequestChange,
    ServiceRequest,
    SwapRequest,
    Vote,
    VotingRound,
)
from desks.rota.duty import assign, make_slots
from desks.rota.planning import generate_month, publish
from desks.voice import feedback
from residents.free_text import MASKED_NOTICE, FreeCharField, FreeTextField
from residents.models import Resident
from tests.clock import at
from tests.factories import make_resident, make_service_item, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

EVENING = at(2026, 11, 24, 19, 20)  # a Tuesday
ID_NUMBER = "420106199001011014"
TYPED = f"王阿姨 {ID_NUMBER} 明天补材料"
STORED = "王阿姨 **************1014 明天补材料"
# English pages (/en/): MASKED_NOTICE as the english fixture reads it.
NOTICE = "An ID number in what you wrote was masked"


@pytest.fixture(autouse=True)
def _evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


@pytest.fixture
def slot(community, worker):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    return slot


def logged_request(worker, item, **fields):
    request, _ = log_request(
        community_id=worker.community_id,
        logged_by=worker,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ACCEPTED,
        **fields,
    )
    return request


def log_data(item, **extra):
    return {
        "service_item": item.pk,
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


# The rule's reach ---------------------------------------------------------------

# Texts staff write for the public (the catalogue's guide, holiday notices, closure
# reasons) and what the app writes itself: not where a resident's ID number is typed.
NOT_FREE_TEXT = {
    ("desks", "HolidayArrangement", "notice"),
    ("desks", "ServiceItem", "materials"),
    ("desks", "ServiceItem", "steps"),
}


def test_every_text_field_people_type_into_masks_id_numbers():
    unmasked = {
        (model._meta.app_label, model.__name__, field.name)
        for model in apps.get_models()
        if model._meta.app_label in ("desks", "residents")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not isinstance(field, FreeTextField)
    }
    assert unmasked == NOT_FREE_TEXT


# The desk ---------------------------------------------------------------------------


def test_logging_a_walk_in_masks_the_notes_and_proxy_name_and_says_so(client, worker, item, slot):
    client.force_login(worker)
    response = client.post(
        "/en/desk/requests/",
        log_data(item, notes=TYPED, proxy_name=f"女儿 {ID_NUMBER}"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert NOTICE in response.text and ID_NUMBER not in response.text
    logged = ServiceRequest.objects.get()
    assert (logged.notes, logged.proxy_name) == (STORED, "女儿 **************1014")


def test_without_javascript_the_notice_shows_on_the_next_page(client, worker, item, slot):
    client.force_login(worker)
    response = client.post("/en/desk/requests/", log_data(item, notes=TYPED), follow=True)
    assert NOTICE in response.text
    assert ServiceRequest.objects.get().notes == STORED


def test_notes_without_an_id_number_are_kept_as_typed_and_nothing_is_said(
    client, worker, item, slot
):
    client.force_login(worker)
    notes = "电话 13912345678，2026-11-24 再来"
    response = client.post(
        "/en/desk/requests/", log_data(item, notes=notes), headers={"HX-Request": "true"}
    )
    assert NOTICE not in response.text
    assert ServiceRequest.objects.get().notes == notes


def test_editing_a_request_masks_the_notes_and_the_history_keeps_only_the_masked_copy(
    client, worker, item, slot
):
    logged = logged_request(worker, item, notes="第一次")
    client.force_login(worker)
    data = log_data(item, resident="", notes=TYPED, proxy_name="")
    response = client.post(f"/en/desk/requests/{logged.pk}/edit/", data, follow=True)
    assert NOTICE in response.text
    logged.refresh_from_db()
    assert logged.notes == STORED
    change = RequestChange.objects.get()
    assert change.changes["notes"] == ["第一次", STORED]


def test_the_handover_note_is_masked(client, worker, slot):
    client.force_login(worker)
    response = client.post(
        reverse("desks:handover", args=[slot.pk]),
        {"handover_note": TYPED},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and NOTICE in response.text
    assert DutySlot.objects.get(pk=slot.pk).handover_note == STORED


def test_closing_a_follow_up_masks_what_was_done(client, worker, item, slot):
    logged = logged_request(worker, item, follow_up={"owner": worker, "due_on": None})
    client.force_login(worker)
    response = client.post(
        reverse("desks:close_follow_up", args=[logged.follow_up.pk]), {"resolution": TYPED}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().resolution == STORED


# Residents ------------------------------------------------------------------------------


def test_a_residents_notes_are_masked_when_added_and_when_changed(client, worker):
    client.force_login(worker)
    data = {
        "name": "赵凤英",
        "phone": "13812345678",
        "birth_year": "1948",
        "id_number": "",
        "notes": TYPED,
        "consent": "on",
    }
    response = client.post(reverse("residents:create"), data, follow=True)
    assert NOTICE in response.text
    resident = Resident.objects.get()
    assert resident.notes == STORED
    data["notes"] = f"新的 {ID_NUMBER}"
    client.post(reverse("residents:update", args=[resident.pk]), data)
    resident.refresh_from_db()
    assert resident.notes == "新的 **************1014"


# Residents' voice (public pages) ----------------------------------------------------------


def test_a_ratings_comment_is_masked(client, worker, item):
    logged = logged_request(worker, item, resident=make_resident(worker.community))
    token = feedback.invitation_for(logged).token
    response = client.post(
        reverse("desks:rate", args=[token]),  # /en/r/…: the english fixture
        {"level": "5", "comment": TYPED},
    )
    assert response.status_code == 200
    assert NOTICE in response.text and ID_NUMBER not in response.text
    assert "messages" not in response.cookies  # said on the page, not left in a cookie
    assert Rating.objects.get().comment == STORED


def test_a_wish_is_masked(client, community):
    VotingRound.objects.create(
        community=community, title="点单", opens_at=EVENING - dt.timedelta(days=1)
    )
    response = client.post(
        reverse("desks:vote", args=[community.slug]), {"wish": f"代办 {ID_NUMBER}"}
    )
    assert Vote.objects.get().wish == "代办 **************1014"
    assert "messages" not in response.cookies


def test_closing_a_call_back_masks_what_was_done(client, head, worker, item):
    logged = logged_request(worker, item)
    feedback.rate(feedback.invitation_for(logged), 1, "", EVENING)
    client.force_login(head)
    call_back = CallBack.objects.get()
    client.post(reverse("desks:close_call_back", args=[call_back.pk]), {"resolution": TYPED})
    assert CallBack.objects.get().resolution == STORED


# The rota ---------------------------------------------------------------------------------


def test_a_swaps_note_and_the_heads_refusal_are_masked(client, community, head, worker):
    colleague = make_user(community=community)
    publish(generate_month(community, dt.date(2026, 12, 1), EVENING).rota_month, head, EVENING)
    slot = Assignment.objects.filter(worker=worker).order_by("starts_at").first().slot
    if colleague.pk in set(slot.assignments.values_list("worker", flat=True)):
        colleague = make_user(community=community)
    client.force_login(worker)
    response = client.post(
        reverse("desks:ask_swap"), {"slot": slot.pk, "colleague": colleague.pk, "note": TYPED}
    )
    assert response.status_code in (200, 302)
    swap = SwapRequest.objects.get()
    assert swap.note == STORED
    client.force_login(head)
    client.post(reverse("desks:refuse_swap", args=[swap.pk]), {"reason": f"不行 {ID_NUMBER}"})
    assert SwapRequest.objects.get(pk=swap.pk).refusal == "不行 **************1014"


def test_a_comp_leave_reason_is_masked(client, worker):
    served = make_slots(worker.community, dt.date(2026, 11, 14), dt.date(2026, 11, 14))[0]
    assignment = assign(served, worker)
    assignment.checked_in_at = served.starts_at
    assignment.save(update_fields=["checked_in_at"])
    client.force_login(worker)
    client.post(
        reverse("desks:ask_comp_leave"), {"date": "2026-12-04", "hours": "4", "reason": TYPED}
    )
    leave = CompLeave.objects.get()
    assert (leave.hours, leave.reason) == (Decimal(4), STORED)


def test_the_notice_the_tests_look_for_is_the_one_shown():
    assert str(MASKED_NOTICE).startswith(NOTICE)


def test_every_masked_field_is_one_of_the_free_text_fields():
    masked = {
        (model.__name__, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, (FreeTextField, FreeCharField))
    }
    assert masked == {
        ("Absence", "reason"),
        ("Assignment", "override_reason"),
        ("CallBack", "resolution"),
        ("CompLeave", "reason"),
        ("DutySlot", "handover_note"),
        ("FollowUp", "resolution"),
        ("Rating", "comment"),
        ("Resident", "notes"),
        ("ServiceRequest", "notes"),
        ("ServiceRequest", "proxy_name"),
        ("SwapRequest", "note"),
        ("SwapRequest", "refusal"),
        ("Vote", "wish"),
    }


# What was stored before the rule ------------------------------------------------------------


def test_the_data_migrations_mask_what_was_stored_before_and_its_history(worker, item):
    desks_migration = importlib.import_module("desks.migrations.0016_free_text_masks_id_numbers")
    residents_migration = importlib.import_module(
        "residents.migrations.0006_resident_notes_mask_id_numbers"
    )
    logged = logged_request(worker, item)
    resident = make_resident(worker.community)
    # update() skips the fields' own masking, as the rows stored before it did.
    ServiceRequest.objects.filter(pk=logged.pk).update(notes=TYPED)
    Resident.objects.filter(pk=resident.pk).update(notes=TYPED)
    RequestChange.objects.create(
        request=logged,
        action=RequestChange.Action.EDITED,
        changed_by=worker,
        changed_at=EVENING,
        changes={"notes": [TYPED, "后来"], "count": [1, 2]},
    )
    desks_migration.mask_stored_free_text(apps, None)
    residents_migration.mask_stored_notes(apps, None)
    assert ServiceRequest.objects.get().notes == STORED
    assert Resident.objects.get().notes == STORED
    assert RequestChange.objects.get().changes == {"notes": [STORED, "后来"], "count": [1, 2]}
