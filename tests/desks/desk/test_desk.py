import datetime as dt
import re
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from desks.desk.request_log import log_request
from desks.models import FollowUp, Outcome, RequestChange, Role, ServiceRequest
from desks.rota.duty import assign, make_slots
from residents.models import Resident
from tests.clock import at
from tests.factories import make_community, make_resident, make_service_item, make_user

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")


@pytest.fixture
def slot(community, worker):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    return slot


def post_data(item, **extra):
    return {
        "service_item": item.pk,
        "resident": "",
        "channel": "walk_in",
        "outcome": "answered",
        "count": 1,
        "notes": "",
        "proxy_name": "",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def log_one(community, worker, item, **fields):
    request, _ = log_request(
        community_id=community.pk,
        logged_by=worker,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ANSWERED,
        **fields,
    )
    return request


# The desk page


def test_the_desk_shows_the_slot_who_is_on_duty_and_the_handover(client, worker, slot, community):
    colleague = make_user(community=community, last_name="赵", first_name="敏")
    assign(slot, colleague)
    previous = make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 23))[0]
    previous.handover_note = "王阿姨的医保材料明天来补"
    previous.save(update_fields=["handover_note"])
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    assert "18:00–20:00" in body
    assert "赵敏" in body
    assert "王阿姨的医保材料明天来补" in body
    assert 'id="tonight-log"' in body


def test_the_desk_page_costs_the_same_queries_with_5_or_500_requests(
    client, worker, slot, community, item, django_assert_num_queries
):
    resident = make_resident(community)
    for _ in range(5):
        log_one(community, worker, item, resident=resident)
    client.force_login(worker)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("desks:home"))
    for _ in range(495):
        log_one(community, worker, item, resident=resident)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("desks:home"))
    assert response.text.count('class="log-entry"') == 50  # the latest ones only
    assert '<strong id="tonight-count" class="count">500</strong>' in response.text


def test_the_desk_requires_login(client):
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_desk_pages_are_never_cached(client, worker):
    client.force_login(worker)
    assert "no-store" in client.get(reverse("desks:home")).headers["Cache-Control"]


def test_street_office_staff_see_every_community_and_log_nowhere(client, community, item):
    office_user = make_user(Role.OFFICE, street_office=community.street_office)
    make_community(community.street_office, name="隔壁社区")
    client.force_login(office_user)
    body = client.get(reverse("desks:home")).text
    assert community.name in body and "隔壁社区" in body
    assert 'id="log-form"' not in body
    response = client.post(reverse("desks:log"), post_data(item))
    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()


# Logging


def test_a_worker_logs_a_request_in_the_current_slot(client, worker, slot, item):
    client.force_login(worker)
    response = client.post(reverse("desks:log"), post_data(item, notes="问缴费"))
    assert response.status_code == 302
    logged = ServiceRequest.objects.get()
    assert logged.slot == slot and logged.in_extended_hours
    assert logged.logged_at == EVENING and logged.logged_by == worker
    assert logged.resident is None


def test_the_htmx_answer_is_the_new_entry_and_a_new_key_for_the_form_on_screen(
    client, worker, slot, item
):
    client.force_login(worker)
    data = post_data(item, notes="问缴费")
    response = client.post(reverse("desks:log"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"  # the form stays; desk.js resets it
    body = response.text
    assert 'id="log-form"' not in body and "<html" not in body
    assert 'hx-swap-oob="afterbegin:#tonight-log"' in body and "问缴费" in body
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">1</strong>' in body
    new_key = re.search(r'name="idempotency_key" value="([^"]+)"[^>]*hx-swap-oob="true"', body)
    assert new_key and new_key[1] != data["idempotency_key"]
    for emptied in ("item-results", "guide", "resident-results"):
        assert re.search(rf'id="{emptied}"[^>]*hx-swap-oob="true"', body), emptied


def test_the_emptied_search_after_a_save_is_kept_for_each_language_apart(
    client, worker, slot, item
):
    """logged.html keeps its emptied search results and guide once a language ({% cache %}):
    a save in English after one in Chinese must not answer the Chinese copy, or the other
    way round, and the kept copy is what the page's own partials render."""
    client.force_login(worker)
    htmx = {"HX-Request": "true"}
    with translation.override("zh-hans"):
        chinese = client.post(reverse("desks:log"), post_data(item), headers=htmx).text
        chinese_guide = render_to_string("desk/home.html#guide", {"oob": True})
    with translation.override("en"):
        english = client.post(reverse("desks:log"), post_data(item), headers=htmx).text
        english_guide = render_to_string("desk/home.html#guide", {"oob": True})
    with translation.override("zh-hans"):
        chinese_again = client.post(reverse("desks:log"), post_data(item), headers=htmx).text
    assert "选择事项后显示所需材料和办理步骤。" in chinese_guide
    assert "Choose a matter to see what the resident needs." in english_guide
    assert chinese_guide in chinese and chinese_guide in chinese_again
    assert english_guide in english and "选择事项" not in english
    kept = caches["template_fragments"]
    for language in ("zh-hans", "en"):  # one copy a language, kept by the first save
        assert kept.get(make_template_fragment_key("desk-emptied-search", [language]))
    assert ServiceRequest.objects.count() == 3


def test_after_a_rejected_attempt_the_answer_is_a_fresh_form(client, worker, slot, item):
    client.force_login(worker)
    rejected = client.post(
        reverse("desks:log"), post_data(item, count="0"), headers={"HX-Request": "true"}
    )
    assert rejected.status_code == 422 and 'name="after_error"' in rejected.text
    data = post_data(item, notes="问缴费", after_error="1")
    response = client.post(reverse("desks:log"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Reswap" not in response
    body = response.text
    assert body.lstrip().startswith('<form id="log-form"') and 'name="after_error"' not in body
    assert f'value="{data["idempotency_key"]}"' not in body  # the new form has a new key
    assert ServiceRequest.objects.count() == 1


def test_a_request_outside_any_window_is_kept_as_regular_hours(client, clock, worker, item):
    client.force_login(worker)
    clock.stop_at(at(2026, 11, 24, 10))
    client.post(reverse("desks:log"), post_data(item))
    logged = ServiceRequest.objects.get()
    assert logged.slot is None and not logged.in_extended_hours


def test_the_new_row_shows_its_follow_up_only_when_one_was_asked_for(
    client, worker, slot, item, community
):
    trained = make_user(community=community, last_name="周", first_name="敏")
    trained.trained_categories.add(item.category)
    client.force_login(worker)
    url = reverse("desks:log")
    without = client.post(url, post_data(item), headers={"HX-Request": "true"})
    assert without.status_code == 200 and 'class="follow-up-line"' not in without.text
    data = post_data(item, outcome="accepted", needs_follow_up="on")
    with_one = client.post(url, data, headers={"HX-Request": "true"})
    assert with_one.status_code == 200
    assert re.search(r'class="follow-up-line">[^<]*周敏', with_one.text)
    assert FollowUp.objects.get().owner == trained


def test_the_same_form_posted_twice_makes_one_record(client, worker, slot, item):
    """The repeat answers with the stored row, as the first did: a retry whose first answer
    was lost learns that its entry arrived (static/js/outbox.js)."""
    client.force_login(worker)
    data = post_data(item)
    client.post(reverse("desks:log"), data, headers={"HX-Request": "true"})
    second = client.post(reverse("desks:log"), data, headers={"HX-Request": "true"})
    logged = ServiceRequest.objects.get()
    assert second.status_code == 200
    assert f'id="request-{logged.pk}"' in second.text
    assert f'data-key="{data["idempotency_key"]}"' in second.text


def test_a_resident_is_found_by_phone_tail_in_my_community_only(client, worker, community):
    make_resident(community, name="王秀英", phone="13900001234")
    make_resident(make_community(), name="外社区", phone="13800001234")
    client.force_login(worker)
    response = client.post(reverse("desks:resident_search"), {"resident_q": "1234"})
    assert "王秀英" in response.text and "外社区" not in response.text
    assert "139****1234" in response.text and "13900001234" not in response.text
    assert "no-store" in response.headers["Cache-Control"]


def test_a_resident_is_found_by_name(client, worker, community):
    make_resident(community, name="王秀英")
    client.force_login(worker)
    assert "王秀英" in client.post(reverse("desks:resident_search"), {"resident_q": "秀英"}).text


def test_a_short_phone_tail_finds_nobody(client, worker, community):
    make_resident(community, name="王秀英", phone="13900001234")
    client.force_login(worker)
    assert "王秀英" not in client.post(reverse("desks:resident_search"), {"resident_q": "34"}).text


def test_a_new_resident_is_quick_added(client, worker, slot, item, community):
    client.force_login(worker)
    client.post(
        reverse("desks:log"),
        post_data(
            item,
            new_resident_name="李建国",
            new_resident_phone="13912345678",
            new_resident_consent="on",
        ),
    )
    resident = Resident.objects.get()
    assert resident.community == community and resident.name == "李建国"
    assert resident.consent_recorded_by == worker and resident.consent_at == EVENING
    assert ServiceRequest.objects.get().resident == resident


def test_missing_materials_and_a_follow_up_go_to_a_trained_colleague(
    client, worker, slot, item, community
):
    trained = make_user(community=community)
    trained.trained_categories.add(item.category)
    client.force_login(worker)
    client.post(
        reverse("desks:log"),
        post_data(item, outcome="accepted", missing_materials=["户口本原件"], needs_follow_up="on"),
    )
    logged = ServiceRequest.objects.get()
    assert logged.missing_materials == ["户口本原件"]
    follow_up = FollowUp.objects.get()
    assert follow_up.owner == trained
    assert follow_up.due_on == dt.date(2026, 11, 27)


def test_items_are_found_by_characters_or_pinyin_initials(client, worker, item):
    client.force_login(worker)
    for query in ("医保", "jmyb", "JMYB", "yibao"):
        response = client.get(reverse("desks:item_search"), {"item_q": query})
        assert "居民医保参保登记" in response.text, query


def test_the_guide_lists_the_materials_to_tick(client, worker, item):
    client.force_login(worker)
    response = client.get(reverse("desks:item_guide"), {"service_item": item.pk})
    assert 'name="missing_materials" value="户口本原件"' in response.text


# Bad input


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("service_item", "999999", "does not exist"),
        ("service_item", "abc", "does not exist"),
        ("service_item", "-1", "does not exist"),
        ("service_item", "1.0", "does not exist"),
        ("service_item", "１２", "does not exist"),  # full-width digits
        ("service_item", "9" * 30, "does not exist"),  # past any integer column
        ("outcome", "magic", "not an outcome"),
        ("channel", "pigeon", "walk-in, phone or home visit"),
        ("count", "0", "At least 1"),
        ("count", "5000", "At most 200"),
        ("idempotency_key", "not-a-uuid", ""),
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(client, worker, item, field, value, message):
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        {**post_data(item), field: value},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'id="log-form"' in response.text
    assert not ServiceRequest.objects.exists()


def test_a_retired_service_item_is_refused(client, worker, item):
    retired = make_service_item(name="老年证办理", is_active=False)
    client.force_login(worker)
    response = client.post("/en/desk/requests/", post_data(retired), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "That service item does not exist; choose one from the list." in response.text
    assert not ServiceRequest.objects.exists()


def test_a_bad_form_without_javascript_shows_the_whole_page_with_errors(client, worker, item):
    client.force_login(worker)
    response = client.post("/en/desk/requests/", {**post_data(item), "outcome": "magic"})
    assert response.status_code == 422
    assert "not an outcome" in response.text and "<html" in response.text


def test_another_communitys_resident_cannot_be_attached(client, worker, item):
    stranger = make_resident(make_community())
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"), post_data(item, resident=stranger.pk), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert not ServiceRequest.objects.exists()


def test_a_new_resident_needs_consent(client, worker, item):
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"),
        post_data(item, new_resident_name="李建国", new_resident_phone="13912345678"),
    )
    assert response.status_code == 422
    assert not Resident.objects.exists() and not ServiceRequest.objects.exists()


def test_logging_for_a_resident_marks_them_active(client, worker, slot, item, community):
    resident = make_resident(community)
    client.force_login(worker)
    client.post(reverse("desks:log"), post_data(item, resident=resident.pk))
    resident.refresh_from_db()
    assert resident.last_active_at == EVENING


def test_resident_search_refuses_get_so_names_stay_out_of_urls(client, worker):
    client.force_login(worker)
    assert client.get(reverse("desks:resident_search"), {"resident_q": "王"}).status_code == 405


def test_a_new_resident_needs_a_valid_phone(client, worker, item):
    client.force_login(worker)
    response = client.post(
        reverse("desks:log"), post_data(item, new_resident_name="李", new_resident_phone="123")
    )
    assert response.status_code == 422
    assert not Resident.objects.exists() and not ServiceRequest.objects.exists()


def test_script_in_notes_is_escaped_in_the_page_and_the_fragment(client, worker, slot, item):
    client.force_login(worker)
    evil = "<script>alert(1)</script>"
    fragment = client.post(
        reverse("desks:log"), post_data(item, notes=evil), headers={"HX-Request": "true"}
    ).text
    page = client.get(reverse("desks:home")).text
    for body in (fragment, page):
        assert evil not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# Every mutating endpoint: POST only, login required, own community only

MUTATING = [
    "desks:log",
    "desks:delete",
    "desks:check_in",
    "desks:check_out",
    "desks:handover",
    "desks:close_follow_up",
]


def _url(name, pk=1):
    return reverse(name) if name == "desks:log" else reverse(name, args=[pk])


@pytest.mark.parametrize("name", MUTATING)
def test_mutating_endpoints_reject_get(client, worker, name):
    client.force_login(worker)
    assert client.get(_url(name)).status_code == 405


@pytest.mark.parametrize("name", MUTATING)
def test_mutating_endpoints_reject_a_logged_out_user(client, name):
    response = client.post(_url(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_another_communitys_request_is_a_404(client, worker, item):
    other = make_community()
    outsider = make_user(community=other)
    theirs = log_one(other, outsider, item)
    client.force_login(worker)
    assert client.get(reverse("desks:edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("desks:delete", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("desks:notice", args=[theirs.pk])).status_code == 404
    assert ServiceRequest.objects.alive().count() == 1


def test_another_communitys_slot_and_follow_up_are_404(client, worker, item):
    other = make_community()
    outsider = make_user(community=other)
    their_slot = make_slots(other, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assignment = assign(their_slot, outsider)
    theirs = log_one(other, outsider, item, follow_up={"owner": outsider})
    client.force_login(worker)
    assert (
        client.post(
            reverse("desks:handover", args=[their_slot.pk]), {"handover_note": "x"}
        ).status_code
        == 404
    )
    assert client.post(reverse("desks:check_in", args=[assignment.pk])).status_code == 404
    follow_up = theirs.follow_up
    assert (
        client.post(
            reverse("desks:close_follow_up", args=[follow_up.pk]), {"resolution": "x"}
        ).status_code
        == 404
    )
    their_slot.refresh_from_db()
    assert their_slot.handover_note == ""
    follow_up.refresh_from_db()
    assert follow_up.closed_at is None


# Mistakes


def test_the_logger_edits_until_their_slot_ends_then_only_the_head(
    client, clock, worker, slot, item, community
):
    logged = log_one(community, worker, item)
    client.force_login(worker)
    data = {**post_data(item), "outcome": "done", "count": 2}
    assert client.post(reverse("desks:edit", args=[logged.pk]), data).status_code == 302
    change = RequestChange.objects.get()
    assert change.changed_by == worker and change.changes["outcome"] == ["answered", "done"]
    clock.stop_at(at(2026, 11, 24, 19, 45))
    client.get(reverse("desks:home"))  # still active: no idle sign-out at 20:00
    clock.stop_at(at(2026, 11, 24, 20))
    assert client.post(reverse("desks:edit", args=[logged.pk]), data).status_code == 403
    assert client.post(reverse("desks:delete", args=[logged.pk])).status_code == 403
    head = make_user(Role.HEAD, community=community)
    client.force_login(head)
    assert client.post(reverse("desks:delete", args=[logged.pk])).status_code == 302
    logged.refresh_from_db()
    assert logged.deleted_at is not None
    assert RequestChange.objects.filter(action="deleted", changed_by=head).exists()


def test_a_colleague_cannot_change_my_request(client, worker, slot, item, community):
    logged = log_one(community, worker, item)
    client.force_login(make_user(community=community))
    assert client.post(reverse("desks:delete", args=[logged.pk])).status_code == 403
    logged.refresh_from_db()
    assert logged.deleted_at is None


def test_deleting_over_htmx_updates_the_count(client, worker, slot, item, community):
    logged = log_one(community, worker, item)
    log_one(community, worker, item)
    client.force_login(worker)
    response = client.post(
        reverse("desks:delete", args=[logged.pk]), headers={"HX-Request": "true"}
    )
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">1</strong>' in response.text


def test_a_bad_edit_changes_nothing(client, worker, slot, item, community):
    logged = log_one(community, worker, item)
    client.force_login(worker)
    response = client.post(
        reverse("desks:edit", args=[logged.pk]), {**post_data(item), "count": "-3"}
    )
    assert response.status_code == 422
    logged.refresh_from_db()
    assert logged.count == 1 and not RequestChange.objects.exists()


# Duty, handover, follow-ups, notice


def test_check_in_and_out_is_one_click_each(client, worker, slot):
    client.force_login(worker)
    assignment = slot.assignments.get(worker=worker)
    response = client.post(
        reverse("desks:check_in", args=[assignment.pk]), headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith('<div id="my-duty"')
    client.post(reverse("desks:check_out", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.checked_in_at == EVENING and assignment.checked_out_at == EVENING


def test_the_handover_note_is_saved_for_the_next_slot(client, worker, slot):
    client.force_login(worker)
    client.post(reverse("desks:handover", args=[slot.pk]), {"handover_note": "复印机没纸了"})
    slot.refresh_from_db()
    assert slot.handover_note == "复印机没纸了"


def test_the_follow_up_queue_puts_overdue_first_and_closes_with_what_was_done(
    client, worker, item, community
):
    late = log_one(
        community, worker, item, follow_up={"owner": worker, "due_on": dt.date(2026, 11, 20)}
    )
    soon = log_one(
        community, worker, item, follow_up={"owner": worker, "due_on": dt.date(2026, 11, 30)}
    )
    client.force_login(worker)
    body = client.get(reverse("desks:follow_ups")).text
    assert body.index(f"follow-up-{late.follow_up.pk}") < body.index(
        f"follow-up-{soon.follow_up.pk}"
    )
    empty = client.post(
        reverse("desks:close_follow_up", args=[late.follow_up.pk]), {"resolution": ""}
    )
    assert empty.status_code == 422
    client.post(
        reverse("desks:close_follow_up", args=[late.follow_up.pk]), {"resolution": "已电话告知"}
    )
    late.follow_up.refresh_from_db()
    assert late.follow_up.closed_at == EVENING and late.follow_up.resolution == "已电话告知"


def test_the_notice_lists_what_to_bring_and_the_hours(client, worker, item, community):
    logged = log_one(community, worker, item, missing_materials=["户口本原件"])
    client.force_login(worker)
    body = client.get(reverse("desks:notice", args=[logged.pk])).text
    assert "户口本原件" in body and "身份证原件" in body
    assert "18:00–20:00" in body and community.address in body


def test_the_log_form_holds_every_check_constraint_of_a_request_itself():
    """RequestForm.validate_constraints skips asking the database; a new constraint on
    ServiceRequest must get a form field check (and this list) first, or it is a 500."""
    assert {constraint.name for constraint in ServiceRequest._meta.constraints} == {
        "request_count_1_to_200",
        "request_outcome_known",
        "request_channel_known",
    }


def test_the_edit_page_shows_materials_only_for_an_item_that_has_them(client, worker, item):
    no_materials = make_service_item(name="测血压", materials="")
    plain = log_one(worker.community, worker, no_materials)
    with_materials = log_one(worker.community, worker, item)
    client.force_login(worker)
    assert 'class="materials"' not in client.get(reverse("desks:edit", args=[plain.pk])).text
    assert 'class="materials"' in client.get(reverse("desks:edit", args=[with_materials.pk])).text


def test_a_heads_follow_up_queue_never_shows_another_communitys(
    client, community, head, colleague, neighbour, outsider, item
):
    log_one(community, colleague, item, notes="本社区", follow_up={"owner": colleague})
    log_one(neighbour, outsider, item, notes="外社区", follow_up={"owner": outsider})
    client.force_login(head)
    body = client.get(reverse("desks:follow_ups")).text
    assert FollowUp.objects.count() == 2
    assert colleague.display_name in body and outsider.display_name not in body


def test_the_desk_in_english_keeps_the_user_on_the_desk(client, worker):
    client.force_login(worker)
    body = client.get("/en/desk/").text
    assert '<html lang="en">' in body and "Duty desk" in body
    assert '<a href="/desk/" hreflang="zh-hans"' in body
