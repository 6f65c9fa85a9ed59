"""One tap at the desk: the tiles, 撤销, +1 on an entry, "Details", and the confirmations."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from desks.desk import request_log
from desks.models import Outcome, RequestChange, ServiceRequest
from desks.models.requests import PEOPLE_MAX
from desks.rota.duty import assign, make_slots
from tests.clock import at
from tests.factories import make_request, make_service_item

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _tuesday_evening(clock):
    clock.stop_at(EVENING)


@pytest.fixture
def item():
    return make_service_item(name="测血压", materials="")


@pytest.fixture
def slot(community, worker, colleague):
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    assign(slot, colleague)
    return slot


def tap_data(item, **extra):
    """What a tile posts: the item with the defaults, and a key of its own."""
    return {
        "one_tap": "1",
        "idempotency_key": str(uuid.uuid4()),
        "service_item": item.pk,
        "channel": "walk_in",
        "outcome": "answered",
        "count": "1",
        **extra,
    }


def log(user, item, **fields):
    logged, _ = request_log.log_request(
        community_id=user.community_id,
        logged_by=user,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=item,
        outcome=Outcome.ANSWERED,
        **fields,
    )
    return logged


def en_url(name, args=None):
    """The English page's address (a request to /en/ leaves English active: reverse follows)."""
    with translation.override("en"):
        return reverse(name, args=args)


def refusal(response) -> str:
    """The message a refused htmx request carries for the desk's status line."""
    return json.loads(response["HX-Trigger"])["desk-refused"]


# The tiles


def test_the_desk_shows_tiles_that_log_and_a_details_link_for_each(client, worker, slot, item):
    client.force_login(worker)
    body = client.get("/en/desk/").text
    tile = re.search(rf'<div id="tap-{item.pk}" class="tap-tile">.*?</div>', body, re.S)[0]
    assert 'name="one_tap"' in tile and 'name="channel" value="walk_in"' in tile
    assert 'name="count" value="1"' in tile and 'name="outcome" value="answered"' in tile
    assert f'href="/en/desk/?item={item.pk}#log-form"' in tile
    assert f'aria-label="Details: {item.name}"' in tile
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in body


def test_each_tile_has_its_own_key(client, worker, slot, item):
    make_service_item(name="少儿医保")
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    keys = re.findall(r'<input type="hidden" name="idempotency_key" value="([^"]+)">', body)
    assert len(keys) == len(set(keys)) >= 2


def test_a_tile_logs_with_the_outcome_the_item_usually_has_here(
    client, worker, community, slot, item
):
    for outcome in ("done", "done", "answered"):
        make_request(community, item, worker, EVENING - dt.timedelta(days=1), outcome=outcome)
    new = make_service_item(name="少儿医保")
    usual = request_log.usual_outcomes(community.pk, [item, new], EVENING)
    assert usual == {item.pk: "done", new.pk: Outcome.ANSWERED}
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    tile = re.search(rf'<div id="tap-{item.pk}".*?</div>', body, re.S)[0]
    assert 'name="outcome" value="done"' in tile


def test_a_tie_between_outcomes_goes_to_the_default(community, worker, item):
    for outcome in ("done", "answered"):
        make_request(community, item, worker, EVENING - dt.timedelta(days=1), outcome=outcome)
    assert request_log.usual_outcomes(community.pk, [item], EVENING) == {item.pk: "answered"}


def test_one_tap_stores_one_walk_in_and_answers_with_the_tile_and_the_entry(
    client, worker, slot, item
):
    client.force_login(worker)
    data = tap_data(item)
    response = client.post(en_url("desks:log"), data, headers=HTMX)
    assert response.status_code == 200
    logged = ServiceRequest.objects.get()
    assert (logged.count, logged.channel, logged.outcome, logged.slot) == (
        1,
        "walk_in",
        "answered",
        slot,
    )
    body = response.text
    assert body.lstrip().startswith(f'<div id="tap-{item.pk}" class="tap-tile tapped">')
    assert f'action="/en/desk/requests/{logged.pk}/undo/"' in body
    assert 'data-undo-seconds="8"' in body
    assert 'hx-swap-oob="afterbegin:#tonight-log"' in body and "just-saved" in body
    assert re.search(r'id="desk-status"[^>]*hx-swap-oob="innerHTML">Saved: 测血压<', body)
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">1</strong>' in body
    # The tile comes back with a fresh key: the next tap is the next walk-in.
    new_key = re.search(r'name="idempotency_key" value="([^"]+)"', body)[1]
    assert new_key != data["idempotency_key"]


def test_the_same_tap_twice_stores_one_request_and_confirms_it_again(client, worker, slot, item):
    client.force_login(worker)
    data = tap_data(item)
    client.post(reverse("desks:log"), data, headers=HTMX)
    again = client.post(reverse("desks:log"), data, headers=HTMX)
    assert again.status_code == 200 and "tap-done" in again.text
    assert ServiceRequest.objects.count() == 1
    # The stored row comes again (a retry learns it arrived); the page shows it once.
    assert f'id="request-{ServiceRequest.objects.get().pk}"' in again.text


def test_a_tap_without_javascript_is_a_save_that_comes_back_to_the_desk(client, worker, slot, item):
    client.force_login(worker)
    response = client.post(en_url("desks:log"), tap_data(item), follow=True)
    assert response.redirect_chain[-1][0].endswith("/desk/")
    assert "Saved: 测血压" in response.text
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("service_item", "99999"),
        ("service_item", "abc"),
        ("outcome", "approved"),
        ("channel", "fax"),
        ("count", "0"),
        ("count", str(PEOPLE_MAX + 1)),
        ("idempotency_key", "not-a-key"),
    ],
)
def test_a_forged_tap_stores_nothing_and_says_why(client, worker, slot, item, field, value):
    client.force_login(worker)
    response = client.post(en_url("desks:log"), tap_data(item, **{field: value}), headers=HTMX)
    assert response.status_code == 422
    assert response.text and refusal(response) == response.text
    assert "<" not in response.text  # a message, not a form swapped into the tile
    assert not ServiceRequest.objects.exists()


def test_an_inactive_items_tile_stores_nothing(client, worker, slot, item):
    item.is_active = False
    item.save(update_fields=["is_active"])
    client.force_login(worker)
    response = client.post(en_url("desks:log"), tap_data(item), headers=HTMX)
    assert response.status_code == 422 and "does not exist" in response.text
    assert not ServiceRequest.objects.exists()


def test_street_office_staff_cannot_tap(client, office, slot, item):
    client.force_login(office)
    assert client.post(reverse("desks:log"), tap_data(item), headers=HTMX).status_code == 403
    assert not ServiceRequest.objects.exists()


# 撤销


def test_undo_deletes_the_tapped_request_and_says_so(client, worker, slot, item):
    logged = log(worker, item)
    client.force_login(worker)
    response = client.post(en_url("desks:undo", args=[logged.pk]), headers=HTMX)
    assert response.status_code == 200
    logged.refresh_from_db()
    assert logged.deleted_at == EVENING
    change = RequestChange.objects.get()
    assert (change.action, change.changed_by) == ("deleted", worker)
    body = response.text
    assert body.lstrip().startswith(f'<div id="tap-{item.pk}" class="tap-tile">')
    assert '<p class="tap-undone">Undone</p>' in body
    assert f'<li id="request-{logged.pk}" hx-swap-oob="delete">' in body
    assert re.search(r'id="desk-status"[^>]*>Undone: 测血压<', body)
    assert '<strong id="tonight-count" class="count" hx-swap-oob="true">0</strong>' in body


def test_undo_without_javascript_comes_back_to_the_desk(client, worker, slot, item):
    logged = log(worker, item)
    client.force_login(worker)
    response = client.post(en_url("desks:undo", args=[logged.pk]), follow=True)
    assert "Undone: 测血压" in response.text
    assert not ServiceRequest.objects.alive().exists()


def test_a_colleague_cannot_undo_my_request(client, worker, colleague, slot, item):
    logged = log(worker, item)
    client.force_login(colleague)
    response = client.post(en_url("desks:undo", args=[logged.pk]), headers=HTMX)
    assert response.status_code == 403
    assert "Only the worker who logged it" in refusal(response)
    assert client.post(reverse("desks:undo", args=[logged.pk])).status_code == 403
    assert ServiceRequest.objects.alive().count() == 1 and not RequestChange.objects.exists()


def test_another_communitys_request_a_guessed_id_and_an_undone_one_are_404(
    client, worker, outsider, slot, item
):
    theirs = log(outsider, item)
    mine = log(worker, item)
    request_log.delete_request(mine, worker, EVENING)
    client.force_login(worker)
    for pk in (theirs.pk, mine.pk, 99999):
        response = client.post(en_url("desks:undo", args=[pk]), headers=HTMX)
        assert response.status_code == 404, pk
        assert "does not exist" in refusal(response)
        assert client.post(reverse("desks:undo", args=[pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.deleted_at is None and RequestChange.objects.count() == 1


def test_undo_after_the_slot_ended_is_the_heads(client, clock, worker, head, slot, item):
    logged = log(worker, item)
    clock.stop_at(at(2026, 11, 24, 20))
    client.force_login(worker)
    assert client.post(reverse("desks:undo", args=[logged.pk]), headers=HTMX).status_code == 403
    logged.refresh_from_db()
    assert logged.deleted_at is None
    client.force_login(head)
    assert client.post(reverse("desks:undo", args=[logged.pk]), headers=HTMX).status_code == 200


# +1 on an entry


def test_plus_one_adds_a_person_to_the_entry(client, worker, slot, item):
    logged = log(worker, item)
    client.force_login(worker)
    response = client.post(
        en_url("desks:add_person", args=[logged.pk]), {"count_was": 1}, headers=HTMX
    )
    assert response.status_code == 200
    logged.refresh_from_db()
    assert logged.count == 2
    change = RequestChange.objects.get()
    assert change.changes == {"count": [1, 2]} and change.changed_by == worker
    body = response.text
    assert body.lstrip().startswith(f'<li id="request-{logged.pk}" class="log-entry just-saved"')
    assert '<span class="tag">×2</span>' in body and 'name="count_was" value="2"' in body
    assert re.search(r'id="desk-status"[^>]*>测血压: 2 people<', body)


def test_a_repeated_plus_one_adds_nobody_and_says_so(client, worker, slot, item):
    logged = log(worker, item)
    client.force_login(worker)
    url = en_url("desks:add_person", args=[logged.pk])
    client.post(url, {"count_was": 1}, headers=HTMX)
    again = client.post(url, {"count_was": 1}, headers=HTMX)  # a retry, a double tap
    assert again.status_code == 200 and "Not added" in again.text
    assert '<span class="tag">×2</span>' in again.text
    logged.refresh_from_db()
    assert logged.count == 2 and RequestChange.objects.count() == 1


def test_the_report_counts_the_added_person_in_the_same_matter(client, worker, slot, item):
    logged = log(worker, item)
    client.force_login(worker)
    client.post(reverse("desks:add_person", args=[logged.pk]), {"count_was": 1})
    assert ServiceRequest.objects.alive().count() == 1
    assert ServiceRequest.objects.get().count == 2


@pytest.mark.parametrize("count_was", ["", "abc", "0", "-1", "1.5", str(PEOPLE_MAX + 1)])
def test_a_bad_plus_one_changes_nothing_and_says_why(client, worker, slot, item, count_was):
    logged = log(worker, item)
    client.force_login(worker)
    response = client.post(
        en_url("desks:add_person", args=[logged.pk]),
        {"count_was": count_was},
        headers=HTMX,
    )
    assert response.status_code == 400 and refusal(response)
    logged.refresh_from_db()
    assert logged.count == 1 and not RequestChange.objects.exists()


def test_plus_one_stops_at_the_people_limit(client, worker, slot, item):
    logged = log(worker, item, count=PEOPLE_MAX)
    client.force_login(worker)
    response = client.post(
        en_url("desks:add_person", args=[logged.pk]),
        {"count_was": PEOPLE_MAX},
        headers=HTMX,
    )
    assert response.status_code == 422 and str(PEOPLE_MAX) in refusal(response)
    logged.refresh_from_db()
    assert logged.count == PEOPLE_MAX


def test_a_colleague_cannot_plus_one_my_entry_nor_sees_the_button(
    client, worker, colleague, slot, item
):
    logged = log(worker, item)
    client.force_login(colleague)
    response = client.post(
        en_url("desks:add_person", args=[logged.pk]), {"count_was": 1}, headers=HTMX
    )
    assert response.status_code == 403 and refusal(response)
    assert (
        client.post(reverse("desks:add_person", args=[logged.pk]), {"count_was": 1}).status_code
        == 403
    )
    assert "plus-one" not in client.get(reverse("desks:home")).text
    logged.refresh_from_db()
    assert logged.count == 1 and not RequestChange.objects.exists()
    client.force_login(worker)
    assert "plus-one" in client.get(reverse("desks:home")).text


def test_plus_one_on_another_communitys_or_a_guessed_entry_is_404(
    client, worker, outsider, slot, item
):
    theirs = log(outsider, item)
    client.force_login(worker)
    for pk in (theirs.pk, 99999):
        url = en_url("desks:add_person", args=[pk])
        response = client.post(url, {"count_was": 1}, headers=HTMX)
        assert response.status_code == 404 and "does not exist" in refusal(response)
    theirs.refresh_from_db()
    assert theirs.count == 1


@pytest.mark.parametrize("name", ["desks:undo", "desks:add_person"])
def test_undo_and_plus_one_reject_get_and_logged_out_users(client, worker, slot, item, name):
    logged = log(worker, item)
    assert client.post(reverse(name, args=[logged.pk])).url.startswith(reverse("login"))
    client.force_login(worker)
    assert client.get(reverse(name, args=[logged.pk])).status_code == 405
    logged.refresh_from_db()
    assert logged.count == 1 and logged.deleted_at is None


# Details: the tile's item in the form


def test_details_chooses_the_item_in_the_form_with_its_guide(client, worker):
    item = make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")
    client.force_login(worker)
    response = client.get(reverse("desks:item_pick"), {"item": item.pk}, headers=HTMX)
    body = response.text
    assert body.lstrip().startswith('<div id="item-results"')
    assert f'name="service_item" value="{item.pk}" checked' in body
    assert re.search(r'id="guide"[^>]*hx-swap-oob="true"', body) and "户口本原件" in body


def test_details_without_javascript_opens_the_desk_with_the_item_chosen(client, worker):
    item = make_service_item(name="居民医保参保登记")
    client.force_login(worker)
    body = client.get(reverse("desks:home"), {"item": item.pk}).text
    assert f'name="service_item" value="{item.pk}" checked' in body
    assert "<h3>居民医保参保登记" in body


@pytest.mark.parametrize("value", ["99999", "abc", ""])
def test_details_of_an_unknown_item_is_a_404_that_says_why(client, worker, value):
    client.force_login(worker)
    response = client.get(en_url("desks:item_pick"), {"item": value}, headers=HTMX)
    assert response.status_code == 404 and "does not exist" in refusal(response)


def test_a_bad_item_in_the_desk_address_is_ignored(client, worker):
    client.force_login(worker)
    response = client.get(reverse("desks:home"), {"item": "1 OR 1=1"})
    assert response.status_code == 200
    assert 'name="service_item" value="1" checked' not in response.text


# Confirmations


def test_a_saved_entry_is_confirmed_in_the_status_line(client, worker, slot, item):
    client.force_login(worker)
    data = {key: value for key, value in tap_data(item).items() if key != "one_tap"}
    response = client.post(en_url("desks:log"), data, headers=HTMX)
    assert re.search(
        r'<p id="desk-status"[^>]*hx-swap-oob="innerHTML">Saved: 测血压</p>', response.text
    )


def test_the_status_line_is_announced(client, worker):
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    assert re.search(r'<p id="desk-status" class="desk-status" role="status"', body)


def test_a_saved_handover_note_is_confirmed(client, worker, slot):
    client.force_login(worker)
    response = client.post(
        en_url("desks:handover", args=[slot.pk]),
        {"handover_note": "复印机没纸了"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert '<p class="saved-note">Saved at 19:20.</p>' in response.text
    assert re.search(r'id="desk-status"[^>]*>Handover note saved.<', response.text)
    slot.refresh_from_db()
    assert slot.handover_note == "复印机没纸了"


def test_a_refused_handover_note_is_not_confirmed(client, worker, slot):
    client.force_login(worker)
    response = client.post(
        en_url("desks:handover", args=[slot.pk]),
        {"handover_note": "x" * 2001},
        headers=HTMX,
    )
    assert response.status_code == 422 and "saved-note" not in response.text
    assert "desk-status" not in response.text
    slot.refresh_from_db()
    assert slot.handover_note == ""
