"""The duty desk (/desk/): a worker's screen at the counter, htmx-driven, usable without JS."""

import datetime as dt
import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap

from desks import hours
from desks.booking import bookings
from desks.booking import queue as walk_in_queue
from desks.core.access import desk_worker
from desks.core.client import client_ip
from desks.core.dates import day_bounds
from desks.desk import request_log
from desks.desk.forms import (
    AddPersonForm,
    ChangeFollowUpForm,
    CloseFollowUpForm,
    HandoverForm,
    LogRequestForm,
    RequestForm,
)
from desks.models import (
    Assignment,
    Community,
    DutySlot,
    FollowUp,
    ServiceItem,
    ServiceRequest,
    User,
)
from desks.models.requests import PEOPLE_MAX
from desks.rota import duty
from desks.voice import feedback
from desks.voice.forms import CloseCallBackForm
from residents import directory
from residents.forms import SearchForm
from residents.free_text import masked_notice, tell_if_masked
from residents.models import PHONE_SEARCH_MIN_DIGITS, AccessLog

RESIDENT_RESULTS = 8
TONIGHT_SHOWN = 50
NOTICE_DAYS = 14  # the 一次性告知单 lists the open days of the next two weeks
ITEM_RESULTS = 10
PEOPLE_STEPS = (1, 2, 5)  # the quick +N buttons by the log form's people count
UNDO_SECONDS = 8  # how long a tile offers 撤销 after a tap (the request stays deletable after)


@login_required
@require_GET
def desk_home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    if not request.user.community_id:
        return render(request, "desk/overview.html", _overview(request.user, now))
    # ?item= is a tile's "details" link without JavaScript: that item chosen in the form.
    item = ServiceItem.objects.active().filter(pk=_int(request.GET.get("item"))).first()
    form = LogRequestForm(
        community_id=request.user.community_id,
        now=now,
        initial={"service_item": item} if item else {},
    )
    context = _desk_context(request.user, now, form)
    _record_residents_shown(request, context["tonight"])
    bookings.record_shown(context["desk_bookings"], request.user, client_ip(request))
    return render(request, "desk/home.html", context)


@desk_worker
@require_POST
def log(request: HttpRequest) -> HttpResponse:
    """Log a walk-in. The htmx answers (422, out-of-band swaps, `after_error`) are the desk's
    save protocol, described once in docs/architecture.md. A repeat of a stored form (the
    same key) answers as the first did, with the stored request."""
    now = timezone.now()
    community_id = request.user.community_id
    form = LogRequestForm(request.POST, community_id=community_id, now=now)
    one_tap = "one_tap" in request.POST  # a tile: it answers with the tile, not the form
    logged = slots = None
    _created = False
    try:
        if form.is_valid():
            # One query: the slot this entry counts for, and the note for the next one.
            slots = request_log.nearby_slots(community_id, now)
            logged, _created = request_log.log_request(
                slots=slots,
                community_id=community_id,
                logged_by=request.user,
                now=now,
                idempotency_key=form.cleaned_data["idempotency_key"],
                served_at=form.cleaned_data["served_at"],
                ip_address=client_ip(request),
                new_resident=form.new_resident(),
                follow_up=form.follow_up(),
                **form.request_fields(),
            )
        elif key := _uuid(request.POST.get("idempotency_key")):
            # A copy of this POST stored a moment ago makes its new resident "already
            # registered" to this one: answer as the copy was answered.
            logged = request_log.logged_with_key(key, community_id)
    except request_log.KeyOfAnotherCommunity as error:
        form.add_error(None, error)
    except ValidationError as error:
        # The new resident's phone was registered by another desk a moment ago.
        form.add_registration_error(error)
    if logged is not None and (ticket_id := _int(request.POST.get("queue_ticket"))):
        # The number called for this walk-in is served: its ticket closes with the request.
        walk_in_queue.close_with(ticket_id, logged)
    if logged is None and one_tap and request.htmx:
        # The tile stays as it was; the status line says why nothing was stored.
        errors = [str(message) for messages in form.errors.values() for message in messages]
        return _refused(request, 422, " ".join(errors))
    if logged is None:
        if request.htmx:
            response = render(
                request,
                "desk/home.html#log-form",
                {"form": form, **_form_context(request.user, now)},
            )
        else:
            context = _desk_context(request.user, now, form)
            _record_residents_shown(request, context["tonight"])
            bookings.record_shown(context["desk_bookings"], request.user, client_ip(request))
            response = render(request, "desk/home.html", context)
        response.status_code = 422
        return response

    if _created:
        bookings.honour(logged)
    if not request.htmx:
        messages.success(request, _saved_message(logged))
        tell_if_masked(request, form)
        return redirect("desks:home")
    context = {
        "logged": request_log.mark_changeable([logged], request.user, now)[0],
        "tonight_count": request_log.tonight_count(community_id, now),
        "entry_timing": request_log.entry_timing(community_id, now, among=slots),
        # A repeated key (a retry whose first answer was lost) is confirmed all the same.
        "status_message": _with_masked_notice(_saved_message(logged), form),
    }
    if one_tap:
        tap = request_log.Tap(logged.service_item, logged.outcome)
        context |= {"tap": tap, "tapped": logged, "undo_seconds": UNDO_SECONDS}
        return render(request, "desk/tapped.html", context)
    if "after_error" in request.POST:
        form = LogRequestForm(community_id=community_id, now=now)
        context |= {"form": form, **_form_context(request.user, now)}
        return render(request, "desk/logged.html", context)
    context["next_key"] = uuid.uuid4()
    return reswap(render(request, "desk/logged.html", context), "none")


@require_GET
def outbox_worker(request: HttpRequest) -> HttpResponse:
    """The desk's service worker (static/js/outbox-worker.js), served from the desk's own
    path so that it may keep the desk page for a reload while offline. No data in it."""
    script = Path(finders.find("js/outbox-worker.js")).read_bytes()
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@desk_worker
@require_GET
def item_search(request: HttpRequest) -> HttpResponse:
    items = ServiceItem.objects.active().matching(request.GET.get("item_q", "")[:50])
    return render(
        request,
        "desk/home.html#item-results",
        {"found_items": items.select_related("category")[:ITEM_RESULTS], "searched": True},
    )


@desk_worker
@require_GET
def item_guide(request: HttpRequest) -> HttpResponse:
    item = ServiceItem.objects.active().filter(pk=_int(request.GET.get("service_item"))).first()
    form = LogRequestForm(community_id=request.user.community_id, initial={"service_item": item})
    return render(request, "desk/home.html#guide", {"guide_item": item, "form": form})


@desk_worker
@require_GET
def item_pick(request: HttpRequest) -> HttpResponse:
    """A tile's "details": its item chosen in the log form, with its guide."""
    item = ServiceItem.objects.active().filter(pk=_int(request.GET.get("item"))).first()
    if item is None:
        return _refused(
            request, 404, _("That service item does not exist; choose one from the list.")
        )
    form = LogRequestForm(community_id=request.user.community_id, initial={"service_item": item})
    return render(request, "desk/picked.html", {"form": form})


@desk_worker
@require_POST
def resident_search(
    request: HttpRequest, partial: str = "desk/home.html#resident-results"
) -> HttpResponse:
    """POST, so that names and phone digits never reach a URL or an access log.

    The desk and the edit page both search this way; `partial` is the results element
    of the page that asks (the URL conf names it)."""
    form = SearchForm({"q": request.POST.get("resident_q", "")})
    found = []
    if form.is_valid():
        found = directory.search(
            request.user,
            form.cleaned_data["q"],
            ip_address=client_ip(request),
            limit=RESIDENT_RESULTS,
        ).residents
    return render(
        request,
        partial,
        {"found_residents": found, "query": form.data["q"].strip(), "search_form": form},
    )


@desk_worker
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    logged = _request_of_my_community(request.user, pk)
    if not request_log.can_change(logged, request.user, now):
        raise PermissionDenied
    form = RequestForm(request.POST or None, instance=logged, community_id=logged.community_id)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RequestForm.Meta.fields}
        request_log.edit_request(
            ServiceRequest.objects.get(pk=logged.pk), request.user, now, **fields
        )
        tell_if_masked(request, form)
        return redirect("desks:home")
    if form.chosen_resident is not None:
        # The page shows the resident the form holds: a view of their record.
        AccessLog.record(
            AccessLog.Action.VIEWED,
            user=request.user,
            ip_address=client_ip(request),
            resident=form.chosen_resident,
        )
    response = render(
        request,
        "desk/edit.html",
        {"form": form, "logged": logged, "phone_search_digits": PHONE_SEARCH_MIN_DIGITS},
    )
    if request.method == "POST":
        response.status_code = 422
    return response


@desk_worker
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    logged = _request_of_my_community(request.user, pk)
    if not request_log.can_change(logged, request.user, now):
        if not request.htmx:
            raise PermissionDenied
        # The row on screen is older than the rule (the slot ended since): show it as it
        # is now, without its buttons, and say why, instead of an error htmx would not show.
        logged.may_change = False
        return render(request, "desk/request_row.html", {"logged": logged, "refused": True})
    request_log.delete_request(logged, request.user, now)
    if not request.htmx:
        return redirect("desks:home")
    count = request_log.tonight_count(request.user.community_id, now)
    return render(request, "desk/deleted.html", {"tonight_count": count})


@desk_worker
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销 on a tile: the request just tapped is deleted, by the same rule as 删除."""
    now = timezone.now()
    logged = _changeable_request(request, pk, now)
    if isinstance(logged, HttpResponse):
        return logged
    request_log.delete_request(logged, request.user, now)
    message = _("Undone: %(item)s") % {"item": logged.service_item.name}
    if not request.htmx:
        messages.success(request, message)
        return redirect("desks:home")
    context = {
        "tap": request_log.Tap(logged.service_item, logged.outcome),
        "undone": logged,
        "tonight_count": request_log.tonight_count(request.user.community_id, now),
        "status_message": message,
        "undo_seconds": UNDO_SECONDS,
    }
    return render(request, "desk/tapped.html", context)


@desk_worker
@require_POST
def add_person(request: HttpRequest, pk: int) -> HttpResponse:
    """+1 on an entry: another person, same matter (request_log.add_person)."""
    now = timezone.now()
    logged = _changeable_request(request, pk, now)
    if isinstance(logged, HttpResponse):
        return logged
    form = AddPersonForm(request.POST)
    if not form.is_valid():
        return _refused(request, 400, " ".join(form.errors["count_was"]))
    if logged.count >= PEOPLE_MAX:
        message = _("At most %(limit)s people in one request: log the others apart.")
        return _refused(request, 422, message % {"limit": PEOPLE_MAX})
    if request_log.add_person(logged, request.user, now, form.cleaned_data["count_was"]):
        message = _("%(item)s: %(count)s people") % {
            "item": logged.service_item.name,
            "count": logged.count,
        }
    else:
        message = _("Not added: the count had changed meanwhile. It is %(count)s now.") % {
            "count": logged.count
        }
    if not request.htmx:
        messages.success(request, message)
        return redirect("desks:home")
    context = {
        "logged": request_log.mark_changeable([logged], request.user, now)[0],
        "status_message": message,
    }
    return render(request, "desk/person_added.html", context)


@desk_worker
@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The 一次性告知单: everything to bring next time, and when the centre is open."""
    logged = _request_of_my_community(request.user, pk)
    today = timezone.localdate()
    community = Community.objects.select_related("street_office").get(pk=logged.community_id)
    last = today + dt.timedelta(days=NOTICE_DAYS - 1)
    opening = hours.OpeningHours([community], today, last)
    return render(
        request,
        "desk/notice.html",
        {
            "logged": logged,
            "community": community,
            "days": [day for day in opening.days(community) if day.is_open],
            "missing": set(logged.missing_materials),
            **feedback.rating_link(request, logged, timezone.now()),
        },
    )


@desk_worker
@require_POST
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _duty_action(request, pk, duty.check_in)


@desk_worker
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _duty_action(request, pk, duty.check_out)


def _duty_action(request, pk, action):
    now = timezone.now()
    assignment = get_object_or_404(
        Assignment.objects.select_related("slot"), pk=pk, worker=request.user
    )
    try:
        action(assignment, now)
    except duty.RotaError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
            return redirect("desks:home")
        context = {**_duty_context(request.user, now), "duty_error": " ".join(error.messages)}
        return render(request, "desk/home.html#my-duty", context, status=422)
    if not request.htmx:
        return redirect("desks:home")
    return render(request, "desk/home.html#my-duty", _duty_context(request.user, now))


@desk_worker
@require_POST
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    slot = get_object_or_404(DutySlot, pk=pk, community_id=request.user.community_id)
    form = HandoverForm(request.POST)
    if form.is_valid():
        slot.handover_note = form.cleaned_data["handover_note"]
        slot.save(update_fields=["handover_note"])
        if not request.htmx:
            messages.success(request, _("Handover note saved."))
            tell_if_masked(request, form)
            return redirect("desks:home")
    response = render(
        request,
        "desk/handover_saved.html" if form.is_valid() else "desk/home.html#handover",
        {
            **_duty_context(request.user, now),
            "handover_form": form,
            "handover_saved_at": now if form.is_valid() else None,
            "status_message": _with_masked_notice(_("Handover note saved."), form),
        },
    )
    if not form.is_valid():
        response.status_code = 422
    return response


@desk_worker
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    queue = (
        FollowUp.objects.queue()
        .with_overdue(now)
        .select_related("request__service_item", "request__resident", "owner")
    )
    mine = _mark_reassignable(queue.filter(owner=request.user), request.user)
    community = queue.filter(community_id=request.user.community_id).exclude(owner=request.user)
    is_head = request.user.is_head_of(request.user.community_id)
    others = _mark_reassignable(community, request.user) if is_head else []
    call_backs = list(feedback.call_back_queue(request.user, now))
    shown = [follow_up.request for follow_up in [*mine, *others]]
    shown += [call_back.rating.request for call_back in call_backs]
    _record_residents_shown(request, shown)
    return render(
        request,
        "desk/follow_ups.html",
        {
            "mine": mine,
            "others": others if is_head else None,
            "call_backs": call_backs,
            "close_form": CloseFollowUpForm(),
            "close_call_back_form": CloseCallBackForm(),
            **_reassign_context(request.user, now, is_head),
        },
    )


@desk_worker
@require_POST
def change_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A head gives a follow-up to another duty worker or moves its due date (audited)."""
    now = timezone.now()
    follow_up = _open_follow_up_of_my_community(request.user, pk, now)
    if not follow_up.may_be_reassigned_by(request.user):
        raise PermissionDenied
    form = ChangeFollowUpForm(
        request.POST, community_id=follow_up.community_id, today=timezone.localdate(now)
    )
    changed = form.is_valid() and request_log.change_follow_up(
        follow_up, request.user, now, **form.cleaned_data
    )
    if form.is_valid() and not request.htmx:
        if changed:
            messages.success(request, _("Follow-up changed."))
        return redirect("desks:follow_ups")
    if changed:
        follow_up = _open_follow_up_of_my_community(request.user, pk, now)  # is_overdue anew
    follow_up.may_reassign = True
    context = {
        "follow_up": follow_up,
        "close_form": CloseFollowUpForm(),
        "change_form": form,
        "changed": changed,
        "unchanged": form.is_valid() and not changed,
        **_reassign_context(request.user, now, True),
    }
    response = render(request, "desk/follow_ups.html#follow-up", context)
    if not form.is_valid():
        response.status_code = 422
    return response


@desk_worker
@require_POST
def close_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    follow_up = _open_follow_up_of_my_community(request.user, pk, now)
    if not follow_up.may_be_closed_by(request.user):
        raise PermissionDenied
    form = CloseFollowUpForm(request.POST)
    if form.is_valid():
        follow_up.close(request.user, now, form.cleaned_data["resolution"])
        tell_if_masked(request, form)
        if not request.htmx:
            return redirect("desks:follow_ups")
    context = {"follow_up": follow_up, "close_form": form}
    response = render(request, "desk/follow_ups.html#follow-up", context)
    if not form.is_valid():
        response.status_code = 422
    return response


def _with_masked_notice(message, form) -> str:
    """The status line's message, and the masking notice when an ID number was masked."""
    notice = masked_notice(form)
    return f"{message} {notice}" if notice else str(message)


def _open_follow_up_of_my_community(user, pk, now) -> FollowUp:
    """Another community's follow-up answers 404, as if it did not exist."""
    return get_object_or_404(
        FollowUp.objects.open()
        .with_overdue(now)
        .select_related("request__service_item", "request__resident", "owner"),
        pk=pk,
        community_id=user.community_id,
    )


def _mark_reassignable(follow_ups, user) -> list[FollowUp]:
    """The follow-ups, each with `may_reassign` (may_be_reassigned_by) for the page to ask."""
    follow_ups = list(follow_ups)
    for follow_up in follow_ups:
        follow_up.may_reassign = follow_up.may_be_reassigned_by(user)
    return follow_ups


def _reassign_context(user, now, is_head) -> dict:
    """What a head's reassign form needs: the owners to choose from, the due dates allowed."""
    if not is_head:
        return {}
    today = timezone.localdate(now)
    return {
        "owners": list(
            User.objects.duty_workers(user.community_id).order_by("last_name", "first_name")
        ),
        "due_min": today,
        "due_max": today + dt.timedelta(days=request_log.FOLLOW_UP_MAX_DAYS),
    }


def _changeable_request(request, pk, now) -> ServiceRequest | HttpResponse:
    """The user's community's request `pk` if they may change it, else the refusal to send."""
    logged = (
        ServiceRequest.objects.alive()
        .select_related("slot", "service_item", "resident", "logged_by", "follow_up__owner")
        .filter(pk=pk, community_id=request.user.community_id)
        .first()
    )
    if logged is None:  # another community's, deleted, or never there: all look the same
        return _refused(request, 404, _("This entry does not exist (any more)."))
    if not request_log.can_change(logged, request.user, now):
        return _refused(
            request,
            403,
            _("Only the worker who logged it, until their slot ends, or the head may change it."),
        )
    return logged


def _record_residents_shown(request, logged_requests) -> None:
    """One list read for the residents a page names on its rows of requests
    (AccessLog.record_list): the desk's log of today, the follow-ups page."""
    AccessLog.record_list(
        (logged.resident for logged in logged_requests),
        user=request.user,
        ip_address=client_ip(request),
    )


def _refused(request, status: int, message: str) -> HttpResponse:
    """A refusal that says why. htmx does not swap a 4xx, so the message also travels in an
    HX-Trigger event that desk.js shows in the desk's status line."""
    if not request.htmx and status == 403:
        raise PermissionDenied(message)
    if not request.htmx and status == 404:
        raise Http404(message)
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["HX-Trigger"] = json.dumps({"desk-refused": message})
    return response


def _saved_message(logged: ServiceRequest) -> str:
    return _("Saved: %(item)s") % {"item": logged.service_item.name}


def _request_of_my_community(user, pk) -> ServiceRequest:
    """Another community's request answers 404, as if it did not exist."""
    return get_object_or_404(
        ServiceRequest.objects.alive().select_related("slot", "service_item", "resident"),
        pk=pk,
        community_id=user.community_id,
    )


def _desk_context(user, now, form) -> dict:
    tonight = request_log.tonight(user.community_id, now)
    return {
        **_duty_context(user, now),
        **bookings.desk_context(user, now),
        **_form_context(user, now),
        "form": form,
        # The latest ones only: a busy day must not make every desk page slower.
        "tonight": request_log.mark_changeable(tonight[:TONIGHT_SHOWN], user, now),
        "tonight_count": request_log.tonight_count(user.community_id, now),
        "tonight_shown": TONIGHT_SHOWN,
    }


def _form_context(user, now) -> dict:
    return {
        "taps": request_log.one_tap_items(user.community_id, now),
        "undo_seconds": UNDO_SECONDS,
        "people_steps": PEOPLE_STEPS,
        "phone_search_digits": PHONE_SEARCH_MIN_DIGITS,
        # What an entry saved now counts for: told on the form before saving.
        "entry_timing": request_log.entry_timing(user.community_id, now),
        "late_entry_grace_minutes": request_log.LATE_ENTRY_GRACE // dt.timedelta(minutes=1),
    }


def _duty_context(user, now) -> dict:
    """The slot in progress (or the next one), who is on it, and the handover notes."""
    slots = DutySlot.objects.filter(community_id=user.community_id)
    slot = slots.at(now).first() or slots.upcoming(now).first()
    # The worker's duty today that the hours took away: told instead of a check-in button.
    cancelled = (
        Assignment.objects.cancelled()
        .filter(worker=user, slot__date=timezone.localdate(now))
        .select_related("slot")
        .first()
    )
    if slot is None:
        return {"slot": None, "community": user.community, "cancelled_duty": cancelled}
    on_duty = list(slot.assignments.select_related("worker").order_by("worker__pk"))
    previous = duty.previous_slot(slot)
    return {
        "community": user.community,
        "slot": slot,
        "slot_in_progress": slot.starts_at <= now < slot.ends_at,
        "on_duty": on_duty,
        "my_assignment": next((a for a in on_duty if a.worker_id == user.pk), None),
        "previous_slot": previous,
        "handover_form": HandoverForm(initial={"handover_note": slot.handover_note}),
        "cancelled_duty": cancelled,
    }


def _overview(user, now) -> dict:
    """Street-office staff: today's count per community of their office; they log nowhere."""
    start, end = day_bounds(timezone.localdate(now))
    communities = (
        Community.objects.visible_to(user)
        .annotate(
            today=Count(
                "requests",
                filter=Q(requests__logged_at__gte=start, requests__logged_at__lt=end)
                & ServiceRequest.alive_condition(through="requests__"),
            )
        )
        .order_by("name")
    )
    return {"communities": communities}


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() else None
