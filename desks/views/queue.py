"""The walk-in queue (叫号): the resident's number, the TV by the door, the desk's panel.

Every answer here changes from one moment to the next (a number called, one more
waiting) or belongs to one device: none is a @public_page, and each says no-store, so
neither the public page cache nor nginx keeps it (docs/deploy.md).
"""

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from desks.booking import queue
from desks.booking.queue_forms import CallForm, DeskTakeNumberForm, TakeNumberForm
from desks.core.access import desk_worker
from desks.core.client import client_ip
from desks.core.public_cache import public_page
from desks.core.public_problem import device_token, problem
from desks.desk.forms import LogRequestForm
from desks.models import Community, QueueTicket, ServiceItem
from desks.voice import feedback

# Public


def _device(request: HttpRequest) -> str | None:
    return device_token(request, queue.DEVICE_COOKIE)


def _my_ticket(request: HttpRequest, centre: Community) -> QueueTicket | None:
    """The number this device took at this centre today and still waits with, if any."""
    ticket = queue.find_ticket(centre.slug, request.COOKIES.get(queue.TICKET_COOKIE, ""))
    if ticket and ticket.day == timezone.localdate() and not ticket.is_done:
        return ticket
    return None


def _items():
    return (
        ServiceItem.objects.in_extended_hours()
        .select_related("category")
        .order_by("category__position", "category__name", "position", "name")
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def take(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a number at the door (the QR code's page), while the centre is open."""
    now = timezone.now()
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    status = queue.opening_status(centre, now)
    context = {"community": centre, "status": status, "mine": _my_ticket(request, centre)}
    if not status.is_open_now:
        code = 409 if request.method == "POST" else 200
        return render(request, "booking/queue_take.html", context, status=code)
    form = TakeNumberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = _device(request) or queue.new_token()
        try:
            ticket = queue.take_number_at_the_door(
                centre,
                form.cleaned_data["service_item"],
                now,
                device=device,
                address=client_ip(request) or "unknown",
            )
        except queue.TooManyTickets as refused:
            return problem(
                request,
                429,
                _("Enough numbers for today"),
                _(
                    "%(limit)d numbers have been taken here today from this phone or its "
                    "network, as many as it may take. Please ask at the desk."
                )
                % {"limit": refused.limit},
            )
        response = redirect("desks:queue_ticket", centre.slug, ticket.token)
        cookie = {"secure": settings.SESSION_COOKIE_SECURE, "httponly": True, "samesite": "Lax"}
        response.set_cookie(queue.DEVICE_COOKIE, device, max_age=queue.DEVICE_COOKIE_AGE, **cookie)
        # Until the day ends: the take page then links this number back.
        response.set_cookie(
            queue.TICKET_COOKIE, ticket.token, max_age=24 * 60 * 60, path="/", **cookie
        )
        return response
    return render(
        request,
        "booking/queue_take.html",
        {**context, "form": form, "items": _items()},
        status=422 if request.method == "POST" else 200,
    )


@never_cache
@vary_on_headers("HX-Request")
@require_GET
def ticket(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The resident's number: how many are ahead and about how long; polled by htmx."""
    mine = queue.find_ticket(slug, token)
    if mine is None:
        return problem(
            request,
            404,
            _("This number is not valid"),
            _("Please check the link, or take a number again at the door."),
        )
    now = timezone.now()
    context = {
        "community": mine.community,
        "wait": queue.wait_for(mine, now),
        "today": mine.day == timezone.localdate(now),
        "poll_seconds": queue.POLL_SECONDS,
    }
    template = "booking/queue_ticket.html"
    return render(request, f"{template}#ticket-status" if request.htmx else template, context)


@never_cache
@vary_on_headers("HX-Request")
@require_GET
def screen(request: HttpRequest, slug: str) -> HttpResponse:
    """The TV by the door: the numbers called and the next few; numbers only."""
    centre = get_object_or_404(Community, slug=slug)
    context = {
        "community": centre,
        "board": queue.board(centre.pk, timezone.now()),
        "poll_seconds": queue.POLL_SECONDS,
    }
    template = "booking/queue_screen.html"
    return render(request, f"{template}#board" if request.htmx else template, context)


@never_cache
@require_GET
def waiting(request: HttpRequest, slug: str) -> HttpResponse:
    """How many are waiting, for a centre open now: the community page loads it (that page
    is cached; this is not)."""
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    now = timezone.now()
    is_open = queue.opening_status(centre, now).is_open_now
    context = {
        "community": centre,
        "is_open": is_open,
        "waiting": queue.waiting_count(centre.pk, now) if is_open else None,
    }
    return render(request, "booking/queue_waiting.html", context)


@public_page
def door_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """A printable page with the QR code residents scan at the door to take a number."""
    centre = get_object_or_404(Community, slug=slug)
    with translation.override(settings.LANGUAGE_CODE):
        # Residents who scan the door get the Chinese page, whatever language printed it.
        url = request.build_absolute_uri(reverse("desks:queue_take", args=[centre.slug]))
    return render(
        request,
        "booking/queue_qr.html",
        {
            "community": centre,
            "take_url": url,
            "qr": feedback.qr_svg(url, _("QR code: take a number")),
        },
    )


# Desk


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A refusal that says why: htmx does not swap a 4xx, so the message also travels in
    the desk's HX-Trigger event (shown in its status line)."""
    if not request.htmx:
        messages.error(request, message)
        return redirect("desks:home")
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["HX-Trigger"] = json.dumps({"desk-refused": message})
    response["Cache-Control"] = "no-store"
    return response


def _panel(
    request: HttpRequest, status: int = 200, template="booking/_desk_queue.html", **extra
) -> HttpResponse:
    now = timezone.now()
    user = request.user
    context = {
        **queue.desk_queue(user.community_id, now),
        "take_form": extra.pop("take_form", None)
        or DeskTakeNumberForm(community_id=user.community_id),
        "call_form": extra.pop("call_form", None) or CallForm(),
        "items": ServiceItem.objects.active().order_by("name"),
        "community": user.community,
        "poll_seconds": queue.POLL_SECONDS * 2,
        **extra,
    }
    mine = [ticket for ticket in context["called"] if ticket.called_by_id == user.pk]
    context["serving"] = next((t for t in mine if t.is_called), None)
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@desk_worker
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """The desk's queue panel, or only its lists (what the panel polls)."""
    if request.GET.get("lists"):
        return _panel(request, template="booking/_desk_queue.html#queue-lists")
    return _panel(request)


def _done(request: HttpRequest, message: str, **extra) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect("desks:home")
    return _panel(request, queue_message=message, **extra)


@desk_worker
@require_POST
def desk_take(request: HttpRequest) -> HttpResponse:
    """A worker takes a number for a resident at the desk."""
    form = DeskTakeNumberForm(request.POST, community_id=request.user.community_id)
    if not form.is_valid():
        if not request.htmx:
            errors = [str(message) for messages in form.errors.values() for message in messages]
            return _refused(request, 422, " ".join(errors))
        return _panel(request, 422, take_form=form)
    taken = queue.take_number(
        request.user.community,
        form.cleaned_data["service_item"],
        timezone.now(),
        taken_by=request.user,
        resident=form.cleaned_data["resident"],
    )
    return _done(
        request,
        _("Number %(number)s taken for %(item)s.")
        % {"number": taken.label, "item": taken.service_item.name},
    )


@desk_worker
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    """叫号: the next in call order to this worker's counter; the log form gets its matter."""
    form = CallForm(request.POST)
    if not form.is_valid():
        return _refused(request, 422, " ".join(form.errors["counter"]))
    now = timezone.now()
    called = queue.call_next(
        request.user.community_id, request.user, now, form.cleaned_data["counter"]
    )
    if called is None:
        return _done(request, _("Nobody is waiting."), call_form=form)
    message = _("Calling %(number)s: %(item)s.") % {
        "number": called.label,
        "item": called.service_item.name,
    }
    if not request.htmx:
        messages.success(request, message)
        return redirect("desks:home")
    log_form = LogRequestForm(
        community_id=request.user.community_id,
        initial={"service_item": called.service_item, "resident": called.resident_id},
    )
    # The panel, and the log form's matter, guide and resident filled in (out of band).
    return _panel(request, queue_message=message, call_form=form, form=log_form, prefill=True)


def _today_ticket(request: HttpRequest, pk: int) -> QueueTicket:
    """Another community's ticket, or another day's, answers 404 as if it did not exist."""
    return get_object_or_404(
        QueueTicket.objects.select_related("service_item"),
        pk=pk,
        community_id=request.user.community_id,
        day=timezone.localdate(),
    )


@desk_worker
@require_POST
def skip(request: HttpRequest, pk: int) -> HttpResponse:
    """过号: the called resident did not come."""
    ticket = _today_ticket(request, pk)
    if not queue.skip(ticket):
        return _refused(
            request, 409, _("%(number)s is no longer called.") % {"number": ticket.label}
        )
    return _done(request, _("%(number)s skipped.") % {"number": ticket.label})


@desk_worker
@require_POST
def recall(request: HttpRequest, pk: int) -> HttpResponse:
    """Call a called or skipped number again."""
    ticket = _today_ticket(request, pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        return _refused(request, 422, " ".join(form.errors["counter"]))
    if not queue.recall(ticket, request.user, timezone.now(), form.cleaned_data["counter"]):
        return _refused(
            request,
            409,
            _("%(number)s is waiting or served: it cannot be called again.")
            % {"number": ticket.label},
        )
    return _done(request, _("Calling %(number)s again.") % {"number": ticket.label})
