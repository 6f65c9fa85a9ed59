"""修改/删除 are offered only where request_log.can_change allows them, and a stale row says why."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from desks.desk.request_log import log_request
from desks.models import Outcome, RequestChange
from desks.rota.duty import assign, make_slots
from tests.clock import at
from tests.factories import make_service_item

pytestmark = pytest.mark.django_db

EVENING = at(2026, 11, 24, 19, 20)


@pytest.fixture(autouse=True)
def slot(clock, community, worker, colleague):
    clock.stop_at(EVENING)
    slot = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))[0]
    assign(slot, worker)
    assign(slot, colleague)
    return slot


def log_by(user):
    logged, _ = log_request(
        community_id=user.community_id,
        logged_by=user,
        now=EVENING,
        idempotency_key=uuid.uuid4(),
        service_item=make_service_item(),
        outcome=Outcome.ANSWERED,
    )
    return logged


def actions_of(body, logged):
    row = body[body.index(f'id="request-{logged.pk}"') :]
    return row[: row.index("</li>")]


def test_a_colleagues_row_offers_neither_edit_nor_delete(client, worker, colleague):
    mine, theirs = log_by(worker), log_by(colleague)
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    assert reverse("desks:delete", args=[mine.pk]) in actions_of(body, mine)
    assert reverse("desks:edit", args=[mine.pk]) in actions_of(body, mine)
    assert reverse("desks:delete", args=[theirs.pk]) not in actions_of(body, theirs)
    assert reverse("desks:edit", args=[theirs.pk]) not in actions_of(body, theirs)


def test_the_head_is_offered_both_on_every_row(client, head, worker, colleague):
    rows = [log_by(worker), log_by(colleague)]
    client.force_login(head)
    body = client.get(reverse("desks:home")).text
    for logged in rows:
        assert reverse("desks:delete", args=[logged.pk]) in actions_of(body, logged)


def test_after_the_slot_my_own_rows_offer_nothing_either(client, clock, worker):
    mine = log_by(worker)
    clock.stop_at(at(2026, 11, 24, 20, 5))
    client.force_login(worker)
    body = client.get(reverse("desks:home")).text
    assert reverse("desks:delete", args=[mine.pk]) not in actions_of(body, mine)


def test_deleting_a_colleagues_row_anyway_is_refused_and_stores_nothing(client, worker, colleague):
    theirs = log_by(colleague)
    client.force_login(worker)
    assert client.post(reverse("desks:delete", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.deleted_at is None and not RequestChange.objects.exists()


def test_a_delete_from_a_row_older_than_the_slots_end_shows_the_row_and_why(client, clock, worker):
    mine = log_by(worker)
    client.force_login(worker)
    clock.stop_at(at(2026, 11, 24, 19, 50))
    client.get(reverse("desks:home"))
    clock.stop_at(at(2026, 11, 24, 20, 1))  # the page stayed open past the slot's end
    response = client.post(
        "/en" + reverse("desks:delete", args=[mine.pk]), headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith(f'<li id="request-{mine.pk}"')
    assert 'role="alert"' in response.text and "Not deleted" in response.text
    assert "/delete/" not in response.text and "/edit/" not in response.text
    mine.refresh_from_db()
    assert mine.deleted_at is None and not RequestChange.objects.exists()
