import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.models import (
    Assignment,
    CalendarLink,
    CompLeave,
    Role,
    SwapRequest,
)
from desks.rota.duty import assign, make_slots
from desks.rota.planning import generate_month, publish
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def frozen(clock):
    clock.stop_at(NOW)


@pytest.fixture
def cast():
    """A community with its head and three workers, December published; and an outsider head."""
    community = make_community()
    head = make_user(Role.HEAD, community=community, username="head")
    workers = [make_user(community=community, username=f"w{n}") for n in (1, 2, 3)]
    publish(generate_month(community, DECEMBER, NOW).rota_month, head, NOW)
    outsider = make_user(Role.HEAD, community=make_community(community.street_office))
    return community, head, workers, outsider


def first_slot_of(worker):
    return Assignment.objects.filter(worker=worker).order_by("starts_at").first().slot


def not_on(slot, workers):
    on = set(slot.assignments.values_list("worker", flat=True))
    return next(worker for worker in workers if worker.pk not in on)


def on_slot(slot):
    return set(slot.assignments.values_list("worker__username", flat=True))


def test_a_swap_goes_from_ask_to_accept_to_approval_and_only_then_changes_the_rota(client, cast):
    _community, head, workers, _outsider = cast
    asker = workers[0]
    slot = first_slot_of(asker)
    colleague = not_on(slot, workers)
    before = on_slot(slot)

    client.force_login(asker)
    response = client.post(reverse("desks:ask_swap"), {"slot": slot.pk, "colleague": colleague.pk})
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    assert on_slot(slot) == before

    client.force_login(colleague)
    client.post(reverse("desks:accept_swap", args=[swap.pk]))
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert on_slot(slot) == before

    client.force_login(head)
    client.post(reverse("desks:approve_swap", args=[swap.pk]))
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.APPROVED and swap.decided_by == head
    assert on_slot(slot) == (before - {asker.username}) | {colleague.username}


def test_a_trade_swaps_both_slots(client, cast):
    _community, head, workers, _outsider = cast
    asker = workers[0]
    mine = first_slot_of(asker)
    colleague = not_on(mine, workers)
    theirs = (
        Assignment.objects.filter(worker=colleague, starts_at__gt=mine.ends_at)
        .exclude(slot__assignments__worker=asker)
        .first()
        .slot
    )
    client.force_login(asker)
    client.post(
        reverse("desks:ask_swap"),
        {"slot": mine.pk, "colleague": colleague.pk, "other_slot": theirs.pk},
    )
    client.force_login(head)
    client.post(reverse("desks:approve_swap", args=[SwapRequest.objects.get().pk]))
    assert colleague.username in on_slot(mine) and asker.username not in on_slot(mine)
    assert asker.username in on_slot(theirs) and colleague.username not in on_slot(theirs)


def test_approving_a_swap_into_an_overlap_is_refused_and_changes_nothing(client, cast):
    community, head, workers, _outsider = cast
    asker = workers[0]
    slot = first_slot_of(asker)
    colleague = not_on(slot, workers)
    client.force_login(asker)
    client.post(reverse("desks:ask_swap"), {"slot": slot.pk, "colleague": colleague.pk})
    # Meanwhile the colleague is lent to a neighbour at the same hour.
    neighbour = make_community(community.street_office)
    clash = make_slots(neighbour, slot.date, slot.date)[0]
    assign(clash, colleague, lent_by=head)
    before = on_slot(slot)

    client.force_login(head)
    response = client.post(reverse("desks:approve_swap", args=[SwapRequest.objects.get().pk]))
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already on duty" in m for m in messages)
    assert on_slot(slot) == before
    assert SwapRequest.objects.get().status == SwapRequest.Status.ASKED


def test_a_swap_with_a_worker_of_another_community_cannot_be_asked(client, cast):
    community, _head, workers, _outsider = cast
    stranger = make_user(community=make_community(community.street_office))
    client.force_login(workers[0])
    slot = first_slot_of(workers[0])
    response = client.post(reverse("desks:ask_swap"), {"slot": slot.pk, "colleague": stranger.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not SwapRequest.objects.exists()


def test_asking_for_a_slot_that_is_not_mine_is_a_clear_error(client, cast):
    _community, _head, workers, _outsider = cast
    asker = workers[0]
    others = Assignment.objects.exclude(slot__assignments__worker=asker).first().slot
    client.force_login(asker)
    response = client.post(
        reverse("desks:ask_swap"), {"slot": others.pk, "colleague": workers[1].pk}
    )
    assert response.status_code == 200 and "errorlist" in response.text
    assert not SwapRequest.objects.exists()


def test_a_head_cannot_decide_another_communitys_swap(client, cast):
    _community, _head, workers, outsider = cast
    slot = first_slot_of(workers[0])
    swap = SwapRequest.objects.create(
        requester=workers[0], slot=slot, colleague=not_on(slot, workers), created_at=NOW
    )
    before = on_slot(slot)
    client.force_login(outsider)
    for name in ("desks:approve_swap", "desks:refuse_swap"):
        assert client.post(reverse(name, args=[swap.pk])).status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ASKED and on_slot(slot) == before


def test_a_worker_cannot_approve_a_swap(client, cast):
    _community, _head, workers, _outsider = cast
    slot = first_slot_of(workers[0])
    colleague = not_on(slot, workers)
    swap = SwapRequest.objects.create(
        requester=workers[0], slot=slot, colleague=colleague, created_at=NOW
    )
    client.force_login(colleague)
    assert client.post(reverse("desks:approve_swap", args=[swap.pk])).status_code == 404
    assert SwapRequest.objects.get().status == SwapRequest.Status.ASKED


def test_only_the_asked_colleague_answers_and_only_the_asker_cancels(client, cast):
    _community, _head, workers, _outsider = cast
    asker = workers[0]
    slot = first_slot_of(asker)
    colleague = not_on(slot, workers)
    bystander = next(w for w in workers if w not in (asker, colleague))
    swap = SwapRequest.objects.create(
        requester=asker, slot=slot, colleague=colleague, created_at=NOW
    )
    client.force_login(bystander)
    assert client.post(reverse("desks:accept_swap", args=[swap.pk])).status_code == 404
    client.force_login(asker)
    client.post(reverse("desks:accept_swap", args=[swap.pk]))
    assert SwapRequest.objects.get().status == SwapRequest.Status.ASKED
    client.post(reverse("desks:cancel_swap", args=[swap.pk]))
    assert SwapRequest.objects.get().status == SwapRequest.Status.CANCELLED


def test_a_declined_swap_stays_declined(client, cast):
    _community, head, workers, _outsider = cast
    slot = first_slot_of(workers[0])
    colleague = not_on(slot, workers)
    swap = SwapRequest.objects.create(
        requester=workers[0], slot=slot, colleague=colleague, created_at=NOW
    )
    client.force_login(colleague)
    client.post(reverse("desks:decline_swap", args=[swap.pk]))
    client.force_login(head)
    client.post(reverse("desks:approve_swap", args=[swap.pk]))
    assert SwapRequest.objects.get().status == SwapRequest.Status.DECLINED


def test_the_head_refuses_a_swap_with_a_reason(client, cast):
    _community, head, workers, _outsider = cast
    slot = first_slot_of(workers[0])
    swap = SwapRequest.objects.create(
        requester=workers[0], slot=slot, colleague=not_on(slot, workers), created_at=NOW
    )
    client.force_login(head)
    client.post(reverse("desks:refuse_swap", args=[swap.pk]), {"reason": "人手不够"})
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.REFUSED and swap.refusal == "人手不够"


def test_an_htmx_approval_answers_with_the_approvals_fragment(client, cast):
    _community, head, workers, _outsider = cast
    slot = first_slot_of(workers[0])
    swap = SwapRequest.objects.create(
        requester=workers[0], slot=slot, colleague=not_on(slot, workers), created_at=NOW
    )
    client.force_login(head)
    response = client.post(
        reverse("desks:approve_swap", args=[swap.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="approvals"')
    assert "<html" not in response.text


def test_an_htmx_ask_answers_with_the_swaps_fragment(client, cast):
    _community, _head, workers, _outsider = cast
    slot = first_slot_of(workers[0])
    client.force_login(workers[0])
    response = client.post(
        reverse("desks:ask_swap"),
        {"slot": slot.pk, "colleague": not_on(slot, workers).pk},
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith('<section id="swaps"')
    assert SwapRequest.objects.count() == 1


MUTATING = [
    ("desks:ask_swap", False),
    ("desks:accept_swap", True),
    ("desks:decline_swap", True),
    ("desks:cancel_swap", True),
    ("desks:approve_swap", True),
    ("desks:refuse_swap", True),
    ("desks:ask_comp_leave", False),
    ("desks:approve_comp_leave", True),
    ("desks:refuse_comp_leave", True),
    ("desks:confirm_served", True),
    ("desks:renew_calendar_link", False),
]


@pytest.mark.parametrize(("name", "takes_pk"), MUTATING)
def test_each_mutating_view_rejects_get(client, name, takes_pk):
    client.force_login(make_user(Role.HEAD))
    url = reverse(name, args=[1] if takes_pk else [])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(("name", "takes_pk"), MUTATING)
def test_each_mutating_view_requires_login(client, name, takes_pk):
    url = reverse(name, args=[1] if takes_pk else [])
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_heads_cannot_touch_another_communitys_leave_or_duty(client, cast):
    _community, _head, workers, outsider = cast
    leave = CompLeave.objects.create(
        worker=workers[0], date=dt.date(2026, 12, 20), hours=1, created_at=NOW
    )
    assignment = Assignment.objects.filter(worker=workers[0]).first()
    client.force_login(outsider)
    assert client.post(reverse("desks:approve_comp_leave", args=[leave.pk])).status_code == 404
    assert client.post(reverse("desks:refuse_comp_leave", args=[leave.pk])).status_code == 404
    assert client.post(reverse("desks:confirm_served", args=[assignment.pk])).status_code == 404
    leave.refresh_from_db()
    assignment.refresh_from_db()
    assert leave.status == CompLeave.Status.REQUESTED and assignment.confirmed_by is None


def serve(assignment):
    assignment.checked_in_at = assignment.starts_at
    assignment.save(update_fields=["checked_in_at"])


@pytest.fixture
def served_november(cast):
    """w1 served one weekday evening (2 h) and one Saturday (8 h) in November."""
    community, _head, workers, _outsider = cast
    evening = make_slots(community, dt.date(2026, 11, 10), dt.date(2026, 11, 10))[0]
    saturday = make_slots(community, dt.date(2026, 11, 14), dt.date(2026, 11, 14))[0]
    serve(assign(evening, workers[0]))
    serve(assign(saturday, workers[0]))
    return cast


def test_a_worker_asks_for_comp_leave_and_the_head_approves_it(client, served_november):
    _community, head, workers, _outsider = served_november
    client.force_login(workers[0])
    body = client.get(reverse("desks:me")).text
    assert "10 h" in body
    client.post(reverse("desks:ask_comp_leave"), {"date": "2026-12-18", "hours": "4"})
    leave = CompLeave.objects.get()
    assert leave.status == CompLeave.Status.REQUESTED

    client.force_login(head)
    page = client.get(reverse("desks:rota")).text
    assert "4 h" in page and "10 h" in page  # the request and the balance behind it
    client.post(reverse("desks:approve_comp_leave", args=[leave.pk]))
    leave.refresh_from_db()
    assert leave.status == CompLeave.Status.APPROVED

    client.force_login(workers[0])
    assert "6 h" in client.get(reverse("desks:me")).text


def test_asking_for_more_comp_leave_than_earned_is_refused(client, served_november):
    _community, _head, workers, _outsider = served_november
    client.force_login(workers[0])
    response = client.post(reverse("desks:ask_comp_leave"), {"date": "2026-12-18", "hours": "11"})
    assert "10" in response.text and "errorlist" in response.text
    assert not CompLeave.objects.exists()


def test_bad_comp_leave_input_is_a_message_and_stores_nothing(client, served_november):
    _community, _head, workers, _outsider = served_november
    client.force_login(workers[0])
    response = client.post(reverse("desks:ask_comp_leave"), {"date": "soon", "hours": "-1"})
    assert response.status_code == 200 and "errorlist" in response.text
    assert not CompLeave.objects.exists()


def test_the_head_confirms_a_slot_served_without_check_in(client, cast):
    community, head, workers, _outsider = cast
    slot = make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 23))[0]
    assignment = assign(slot, workers[1])
    client.force_login(head)
    client.post(reverse("desks:confirm_served", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.confirmed_by == head and assignment.is_served


def test_my_page_shows_my_next_published_shifts(client, cast):
    _community, _head, workers, _outsider = cast
    client.force_login(workers[0])
    body = client.get(reverse("desks:me")).text
    first = Assignment.objects.filter(worker=workers[0]).order_by("starts_at").first()
    assert f"{first.slot.date.month}/{first.slot.date.day}" in body


def test_my_page_requires_login(client):
    response = client.get(reverse("desks:me"))
    assert response.status_code == 302


def test_the_calendar_link_is_private_and_revocable(client, cast):
    _community, _head, workers, _outsider = cast
    client.force_login(workers[0])
    client.post(reverse("desks:renew_calendar_link"))
    token = CalendarLink.objects.get(user=workers[0]).token
    client.logout()

    feed = client.get(reverse("desks:my_calendar", args=[token]))
    assert feed.status_code == 200 and feed["Content-Type"] == "text/calendar"
    assert (
        feed.content.count(b"BEGIN:VEVENT") == Assignment.objects.filter(worker=workers[0]).count()
    )
    assert client.get(reverse("desks:my_calendar", args=["guess"])).status_code == 404

    client.force_login(workers[0])
    client.post(reverse("desks:renew_calendar_link"))
    client.logout()
    assert client.get(reverse("desks:my_calendar", args=[token])).status_code == 404


def test_the_old_address_with_the_token_in_the_query_string_serves_nothing(client, cast):
    _community, _head, workers, _outsider = cast
    link = CalendarLink.objects.create(user=workers[0], created_at=NOW)
    for token in (link.token, "guess", ""):
        response = client.get("/en/desk/me.ics", {"token": token})
        assert response.status_code == 410
        assert b"BEGIN:VCALENDAR" not in response.content
        assert "copy your private calendar link again" in response.text
        assert "http://testserver/en/desk/me/" in response.text
        assert response["Cache-Control"] == "no-store"


def test_the_migration_renews_every_token_the_old_address_carried(client, cast):
    _community, _head, workers, _outsider = cast
    old = CalendarLink.objects.create(user=workers[0], created_at=NOW).token
    migration = importlib.import_module("desks.migrations.0017_calendar_tokens_renewed")
    migration.renew_every_token(apps, None)
    new = CalendarLink.objects.get(user=workers[0]).token
    assert new != old and len(new) >= 43
    assert client.get(reverse("desks:my_calendar", args=[old])).status_code == 404
    assert client.get(reverse("desks:my_calendar", args=[new])).status_code == 200


def test_my_page_shows_the_address_with_the_token_in_the_path(client, cast):
    _community, _head, workers, _outsider = cast
    link = CalendarLink.objects.create(user=workers[0], created_at=NOW)
    client.force_login(workers[0])
    page = client.get(reverse("desks:me")).text
    assert f"/desk/me/{link.token}.ics" in page and "?token=" not in page


def test_draft_months_are_not_in_my_shifts_or_calendar(client, cast):
    community, _head, workers, _outsider = cast
    generate_month(community, dt.date(2027, 1, 1), NOW)
    link = CalendarLink.objects.create(user=workers[0], created_at=NOW)
    feed = client.get(reverse("desks:my_calendar", args=[link.token])).content
    assert b"DTSTART;TZID=Asia/Shanghai:202701" not in feed


def open_requests(requesters, workers):
    for worker in requesters:
        slot = first_slot_of(worker)
        SwapRequest.objects.create(
            requester=worker, slot=slot, colleague=not_on(slot, workers), created_at=NOW
        )
        CompLeave.objects.create(worker=worker, date=dt.date(2026, 12, 30), hours=1, created_at=NOW)


@pytest.mark.parametrize("page", ["desks:me", "desks:rota"])
def test_list_pages_cost_the_same_queries_however_much_there_is(
    client, cast, page, django_assert_num_queries
):
    community, head, workers, _outsider = cast
    user = head if page == "desks:rota" else workers[0]
    client.force_login(user)
    open_requests(workers[:1], workers)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(page))

    publish(generate_month(community, dt.date(2027, 1, 1), NOW).rota_month, head, NOW)
    open_requests(workers[1:], workers)
    for worker in workers[1:]:
        serve(Assignment.objects.filter(worker=worker).first())
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse(page))
    assert response.status_code == 200
