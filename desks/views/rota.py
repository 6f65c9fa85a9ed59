"""The rota at the desk: a worker's own page, swaps (调班), comp leave (调休), heads' approvals.

Every view fetches with permission, hands the change to desks.rota.duty or
desks.rota.comp_time, and answers with the whole page or, for htmx, the fragment
that changed. Objects of another community are a 404, as if they did not exist.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from desks.core.client import client_ip
from desks.core.dates import Month, first_of_month
from desks.models import (
    Assignment,
    CalendarLink,
    CompLeave,
    DutySlot,
    RotaMonth,
    SwapRequest,
    User,
)
from desks.models.rota import SLOT_LIVE
from desks.rota import comp_time, duty, duty_calendar, reconcile, wall
from desks.rota.forms import CompLeaveForm, OverrideForm, RefusalForm, SwapForm
from desks.rota.quality import qualities
from residents.free_text import tell_if_masked

ROTA_DAYS = 14
CONFIRM_DAYS = 7
WALL_MONTHS = 3  # the rota page offers this month's and the coming months' rota for the wall


def _with_colleagues():
    return Prefetch(
        "slot__assignments", queryset=Assignment.objects.select_related("worker"), to_attr="team"
    )


def _me_context(user: User, now: dt.datetime, **extra) -> dict:
    # A cancelled shift stays on the list, struck through, for the coming ROTA_DAYS.
    shown_until = timezone.localdate(now) + dt.timedelta(days=ROTA_DAYS)
    shifts = (
        Assignment.objects.published()
        .filter(worker=user)
        .filter(SLOT_LIVE | Q(slot__date__lt=shown_until))
        .upcoming(now)
        .select_related("slot__community")
        .prefetch_related(_with_colleagues())[:10]
    )
    swaps = (
        SwapRequest.objects.involving(user)
        .with_actions_for(user)
        .select_related("requester", "colleague", "slot", "other_slot")
        .order_by("-created_at", "-pk")[:20]
    )
    context = {
        "now": now,
        "shifts": shifts,
        "swaps": swaps,
        "leaves": CompLeave.objects.filter(worker=user).order_by("-date", "-pk")[:10],
        "balance": comp_time.balance(user),
        "calendar_link": CalendarLink.objects.filter(user=user).first(),
        "swap_form": SwapForm(user, now),
        "leave_form": CompLeaveForm(),
    }
    return context | extra


def _rota_context(user: User, now: dt.datetime, **extra) -> dict:
    today = timezone.localdate(now)
    slots = list(
        DutySlot.objects.filter(community=user.community_id, ends_at__gt=now)
        .filter(date__lt=today + dt.timedelta(days=ROTA_DAYS))
        .with_staffing()
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("worker", "overridden_by"),
            )
        )
        .order_by("starts_at")
    )
    published = set(
        RotaMonth.objects.published()
        .filter(community=user.community_id, month__gte=first_of_month(today))
        .values_list("month", flat=True)
    )
    for slot in slots:
        slot.is_draft = first_of_month(slot.date) not in published
    context = {
        "now": now,
        "slots": slots,
        "days": ROTA_DAYS,
        "approves": False,
        "sees_conflicts": reconcile.overseen_by(user) is not None,
    }
    if user.is_head_of(user.community_id):
        context |= _approvals(user, now)
        months = list(
            RotaMonth.objects.filter(
                community=user.community_id, month__gte=first_of_month(today)
            ).order_by("month")[:WALL_MONTHS]
        )
        context["wall_months"] = months
        context["qualities"] = list(qualities(months).values())
        # Why each planned worker rather than another (the head sees it on the slot's row).
        why = {key: runners for shown in context["qualities"] for key, runners in shown.why.items()}
        for slot in slots:
            for assignment in slot.assignments.all():
                assignment.runners_up = why.get((slot.pk, assignment.worker_id))
    return context | extra


def _approvals(head: User, now: dt.datetime) -> dict:
    swaps = (
        SwapRequest.objects.of_community(head.community_id)
        .awaiting_head()
        .with_actions_for(head)
        .select_related("requester", "colleague", "slot", "other_slot")
        .order_by("slot__starts_at", "pk")
    )
    leaves = list(
        CompLeave.objects.filter(
            worker__community=head.community_id, status=CompLeave.Status.REQUESTED
        )
        .select_related("worker__community__street_office")
        .order_by("date", "pk")
    )
    balances = comp_time.balances({leave.worker for leave in leaves})
    for leave in leaves:
        leave.balance = balances[leave.worker_id]
    unconfirmed = (
        Assignment.objects.unserved()
        .live()
        .filter(
            slot__community=head.community_id,
            ends_at__lte=now,
            ends_at__gt=now - dt.timedelta(days=CONFIRM_DAYS),
        )
        .select_related("worker", "slot")
        .order_by("starts_at", "worker__username")
    )
    return {
        "pending_swaps": swaps,
        "pending_leaves": leaves,
        "unconfirmed": unconfirmed,
        "confirm_days": CONFIRM_DAYS,
        "refusal_form": RefusalForm(),
        "approves": True,
    }


def _answer(request, page, fragment, *, ok=None, error=None, **extra) -> HttpResponse:
    """The changed fragment for htmx; otherwise a message and the page again."""
    if request.htmx:
        build = _me_context if page == "me" else _rota_context
        context = build(request.user, timezone.now(), notice=ok, error=error, **extra)
        return render(request, f"rota/{page}.html#{fragment}", context)
    if extra:  # an invalid form: show it again, with its errors, on the whole page
        build = _me_context if page == "me" else _rota_context
        context = build(request.user, timezone.now(), error=error, **extra)
        return render(request, f"rota/{page}.html", context)
    if ok:
        messages.success(request, ok)
    if error:
        messages.error(request, error)
    return redirect(f"desks:{page}")


# A worker's own page -------------------------------------------------------


@login_required
@require_safe
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "rota/me.html", _me_context(request.user, timezone.now()))


@login_required
@require_POST
def renew_calendar_link(request: HttpRequest) -> HttpResponse:
    """A new secret address; whatever had the old one stops getting the calendar."""
    now = timezone.now()
    link, created = CalendarLink.objects.get_or_create(
        user=request.user, defaults={"created_at": now}
    )
    if not created:
        link.renew(now)
    return _answer(request, "me", "calendar", ok=_("Your private calendar link is ready."))


@require_safe
def my_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed. Its secret is the path, not a query string (nginx leaves this path
    out of its access log, docs/deploy.md); the old `?token=` address answers 410."""
    link = CalendarLink.objects.select_related("user").filter(token=token).first()
    if link is None or not link.user.is_active:
        raise Http404
    now = timezone.now()
    assignments = (
        Assignment.objects.published()
        .filter(worker=link.user, ends_at__gt=now - dt.timedelta(days=30))
        .select_related("slot__community")
        .order_by("starts_at")
    )
    response = HttpResponse(
        duty_calendar.duty_ics(link.user, assignments, now), content_type="text/calendar"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def old_calendar_address(request: HttpRequest) -> HttpResponse:
    """The feed's old address (`/desk/me.ics?token=…`) serves nothing, whatever the token:
    410, with where to find the new one."""
    message = _(
        "This calendar address no longer works. Open %(url)s, copy your private calendar "
        "link again and subscribe to it in your phone's calendar."
    ) % {"url": request.build_absolute_uri(reverse("desks:me"))}
    response = HttpResponse(message, status=410, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# Swaps --------------------------------------------------------------------


@login_required
@require_POST
def ask_swap(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = SwapForm(request.user, now, request.POST)
    if form.is_valid():
        try:
            duty.ask_swap(
                request.user,
                form.cleaned_data["slot"],
                form.cleaned_data["colleague"],
                now,
                other_slot=form.cleaned_data["other_slot"],
                note=form.cleaned_data["note"],
            )
        except duty.RotaError as error:
            form.add_error(None, error.message)
    if form.errors:
        return _answer(request, "me", "swaps", swap_form=form)
    tell_if_masked(request, form)
    return _answer(request, "me", "swaps", ok=_("Asked. Nothing changes until the head approves."))


# Lazy: translated when shown, in the reader's language, not once at import.
WORKER_ACTIONS = {
    "accept": (duty.accept_swap, gettext_lazy("Accepted; the head will decide.")),
    "decline": (duty.decline_swap, gettext_lazy("Declined.")),
    "cancel": (duty.cancel_swap, gettext_lazy("Cancelled.")),
}


@login_required
@require_POST
def answer_swap(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.involving(request.user), pk=pk)
    change, done = WORKER_ACTIONS[action]
    try:
        change(swap, request.user, timezone.now())
    except duty.RotaError as error:
        return _answer(request, "me", "swaps", error=error.message)
    return _answer(request, "me", "swaps", ok=str(done))


def _community_headed_by(user: User) -> int:
    """The community `user` heads; anyone else gets a 404, as if the object did not exist."""
    if not user.is_head_of(user.community_id):
        raise Http404
    return user.community_id


@login_required
@require_POST
def decide_swap(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    swaps = SwapRequest.objects.of_community(_community_headed_by(request.user))
    swap = get_object_or_404(swaps, pk=pk)
    now = timezone.now()
    if decision == "approve":
        return _approve_swap(request, swap, now)
    form = RefusalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        duty.refuse_swap(swap, request.user, now, reason)
    except duty.RotaError as error:
        return _answer(request, "rota", "approvals", error=error.message)
    tell_if_masked(request, form)
    return _answer(request, "rota", "approvals", ok=_("Swap refused."))


def _approve_swap(request: HttpRequest, swap: SwapRequest, now: dt.datetime) -> HttpResponse:
    """Approve; when the only rules broken may be overridden, ask the head why (the field
    shows on that swap), and approve when they say."""
    form = OverrideForm(request.POST)
    asking = {"override_form": form, "override_swap": swap.pk}
    if not form.is_valid():
        error = form.errors["override_reason"][0]
        return _answer(request, "rota", "approvals", error=error, **asking)
    try:
        duty.approve_swap(
            swap, request.user, now, override_reason=form.cleaned_data["override_reason"]
        )
    except duty.RulesBroken as broken:
        if not broken.overridable:
            return _answer(request, "rota", "approvals", error=broken.message)
        error = _("%(rules)s To approve anyway, give the reason; it is recorded.") % {
            "rules": broken.message
        }
        return _answer(request, "rota", "approvals", error=error, **asking)
    except duty.RotaError as error:
        return _answer(request, "rota", "approvals", error=error.message)
    tell_if_masked(request, form)
    return _answer(request, "rota", "approvals", ok=_("Swap approved; the rota has changed."))


# Comp leave and served duty ------------------------------------------------


@login_required
@require_POST
def ask_comp_leave(request: HttpRequest) -> HttpResponse:
    form = CompLeaveForm(request.POST)
    if form.is_valid():
        try:
            comp_time.request_leave(
                request.user,
                form.cleaned_data["date"],
                form.cleaned_data["hours"],
                timezone.now(),
                form.cleaned_data["reason"],
            )
        except duty.RotaError as error:
            form.add_error(None, error.message)
    if form.errors:
        return _answer(request, "me", "comptime", leave_form=form)
    tell_if_masked(request, form)
    return _answer(request, "me", "comptime", ok=_("Comp leave asked for; the head will decide."))


@login_required
@require_POST
def decide_comp_leave(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    leaves = CompLeave.objects.filter(worker__community=_community_headed_by(request.user))
    leave = get_object_or_404(leaves.select_related("worker"), pk=pk)
    now = timezone.now()
    try:
        if decision == "approve":
            comp_time.approve_leave(leave, request.user, now)
            done = _("Comp leave approved.")
        else:
            comp_time.refuse_leave(leave, request.user, now)
            done = _("Comp leave refused.")
    except duty.RotaError as error:
        return _answer(request, "rota", "approvals", error=error.message)
    return _answer(request, "rota", "approvals", ok=done)


@login_required
@require_POST
def confirm_served(request: HttpRequest, pk: int) -> HttpResponse:
    assignments = Assignment.objects.filter(slot__community=_community_headed_by(request.user))
    assignment = get_object_or_404(assignments.select_related("slot"), pk=pk)
    try:
        duty.confirm_served(assignment, request.user, timezone.now())
    except duty.RotaError as error:
        return _answer(request, "rota", "approvals", error=error.message)
    return _answer(request, "rota", "approvals", ok=_("Confirmed as served."))


# The community's rota ------------------------------------------------------


@login_required
@require_safe
def rota_page(request: HttpRequest) -> HttpResponse:
    return render(request, "rota/rota.html", _rota_context(request.user, timezone.now()))


@login_required
@require_safe
def conflicts(request: HttpRequest) -> HttpResponse:
    """Every difference between the rota and the opening hours that needs a person."""
    communities = reconcile.overseen_by(request.user)
    if communities is None:
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "rota/conflicts.html",
        {"now": now, "conflicts": reconcile.conflicts(communities, now)},
    )


# The rota for the wall: a head prints or downloads their own community's month ---


def _wall_grids(request: HttpRequest, month: str) -> list[wall.WallGrid] | HttpResponse:
    """The head's community's month; anyone else on the desk is refused (403)."""
    if not request.user.is_head_of(request.user.community_id):
        raise PermissionDenied
    try:
        first = Month.parse(month).first_day
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    rota_month = get_object_or_404(
        RotaMonth.objects.select_related("community__street_office"),
        community=request.user.community_id,
        month=first,
    )
    return wall.wall_grids([rota_month])


@login_required
@require_safe
def wall_page(request: HttpRequest, month: str) -> HttpResponse:
    grids = _wall_grids(request, month)
    if isinstance(grids, HttpResponse):
        return grids
    now = timezone.now()
    wall.record_export(request.user, grids, wall.PRINTED, client_ip(request), now)
    response = render(
        request, "rota/wall.html", {"grids": grids, "now": now, "back_url": reverse("desks:rota")}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def wall_download(request: HttpRequest, month: str, file_format: str) -> HttpResponse:
    grids = _wall_grids(request, month)
    if isinstance(grids, HttpResponse):
        return grids
    download = wall.wall_file(grids, file_format)
    wall.record_export(request.user, grids, file_format, client_ip(request), timezone.now())
    return HttpResponse(
        download.content,
        content_type=download.content_type,
        headers={
            "Content-Disposition": content_disposition_header(True, download.filename),
            "Cache-Control": "no-store",
        },
    )
