"""Bookings (预约): the resident's pages (book, see, cancel, calendar file) and the desk's 到了.

The public pages are never cached: they carry a form, or one resident's booking.
"""

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from desks.booking import bookings
from desks.booking.forms import BookingForm
from desks.core.access import desk_worker
from desks.core.client import client_ip
from desks.core.public_problem import device_token, problem
from desks.desk.forms import LogRequestForm
from desks.models import Booking, Community, QueueTicket, ServiceItem
from desks.voice import feedback

# Requests per minute from one address to a private link before it answers 429: a link
# cannot be guessed, and this keeps anyone from trying.
LINK_LIMIT = 30
BOOK_LIMIT = 20


def _address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _device(request: HttpRequest) -> str | None:
    return device_token(request, bookings.DEVICE_COOKIE)


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def book(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose a matter, then a day and time, then give a name and phone."""
    now = timezone.now()
    if request.method == "POST" and feedback.is_rate_limited(
        "book", _address(request), BOOK_LIMIT, now
    ):
        return problem(
            request,
            429,
            _("Too many tries"),
            _("Too many tries from this network in a minute. Please wait a minute and try again."),
        )
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    items = list(ServiceItem.objects.bookable().select_related("category"))
    context = {
        "community": centre,
        "items": items,
        "per_window": bookings.per_window(centre),
        "booking_days": bookings.BOOKING_DAYS,
    }
    if context["per_window"] <= 0:
        status = 409 if request.method == "POST" else 200
        return render(request, "booking/book.html", {**context, "items": []}, status=status)
    data = request.POST if request.method == "POST" else request.GET
    item = next((i for i in items if i.pk == _int(data.get("service_item"))), None)
    if item is None:
        status = 422 if request.method == "POST" or data.get("service_item") else 200
        form = BookingForm(request.POST) if request.method == "POST" else None
        return render(request, "booking/book.html", {**context, "form": form}, status=status)
    days = bookings.offered_days(centre, item, now)
    window = bookings.find_window(days, data.get("window", ""))
    context |= {"item": item, "days": days, "window": window}
    if request.method != "POST":
        if not data.get("window"):
            return render(request, "booking/book.html", context)
        if window is None or window.is_full:
            # A link kept from before: the time went, or filled up. Choose again.
            refusal, status = (
                (bookings.NOT_OFFERED, 422) if window is None else (bookings.FULL, 409)
            )
            context |= {"refusal": refusal, "window": None}
            return render(request, "booking/book.html", context, status=status)
        form = BookingForm(initial={"service_item": item.pk, "window": window.key})
        return render(request, "booking/book.html", {**context, "form": form})

    form = BookingForm(request.POST)
    if not form.is_valid():
        return render(request, "booking/book.html", {**context, "form": form}, status=422)
    starts_at = _window_start(form.cleaned_data["window"])
    if starts_at is None:
        form.add_error("window", _("Choose a day and time from the list."))
        return render(request, "booking/book.html", {**context, "form": form}, status=422)
    device = _device(request) or bookings.new_device_token()
    who = {"phone": form.cleaned_data["phone"], "device": device, "address": _address(request)}
    if message := bookings.take_allowance(**who, now=now):
        return problem(request, 429, _("Too many bookings"), message)
    try:
        made = bookings.book(
            centre,
            item,
            starts_at,
            name=form.cleaned_data["name"],
            phone=form.cleaned_data["phone"],
            now=now,
        )
    except bookings.BookingRefused as refused:
        bookings.give_back_allowance(**who, now=now)
        # Back to the list of times, with why this one could not be booked.
        context |= {"form": form, "refusal": refused.message, "window": None}
        return render(request, "booking/book.html", context, status=refused.status)
    response = redirect("desks:booking", token=made.token)
    response.set_cookie(
        bookings.DEVICE_COOKIE,
        device,
        max_age=bookings.DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _window_start(key: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.strptime(key, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return timezone.make_aware(moment)


def _booking_or_problem(request: HttpRequest, token: str):
    if feedback.is_rate_limited("booking-link", _address(request), LINK_LIMIT, timezone.now()):
        return problem(
            request,
            429,
            _("Too many tries"),
            _("Too many tries from this network in a minute. Please wait a minute and try again."),
        )
    booking = bookings.find(token)
    if booking is None:
        return problem(
            request,
            404,
            _("This booking link is not valid"),
            _(
                "Please check the link you were given when you booked. If you cannot find "
                "it, call the centre with your booking code."
            ),
        )
    return booking


def _booking_page(request, booking, token, now, status=200, refusal=None) -> HttpResponse:
    (booking,) = bookings.mark_affected([booking])
    response = render(
        request,
        "booking/booking.html",
        {
            "booking": booking,
            "token": token,
            "community": booking.community,
            "status": booking.status_at(now),
            "may_cancel": bookings.may_cancel(booking, now),
            "refusal": refusal,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    # The token never leaves in a Referer to another site; "no-referrer" would also make
    # the cancel form's Origin "null", which Django's CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def booking(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_problem(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _booking_page(request, found, token, timezone.now())


@never_cache
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_problem(request, token)
    if isinstance(found, HttpResponse):
        return found
    now = timezone.now()
    try:
        bookings.cancel(found, now)
    except bookings.BookingRefused as refused:
        return _booking_page(request, found, token, now, refused.status, refused.message)
    return redirect("desks:booking", token=token)


@never_cache
@require_GET
def booking_ics(request: HttpRequest, token: str) -> HttpResponse:
    found = _booking_or_problem(request, token)
    if isinstance(found, HttpResponse):
        return found
    return HttpResponse(
        bookings.ics(found),
        content_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="booking-{found.code}.ics"',
            "Cache-Control": "no-store",
        },
    )


# Desk


@desk_worker
@require_POST
def arrived(request: HttpRequest, pk: int) -> HttpResponse:
    """到了: records the arrival and fills the desk's log form with the item and the resident."""
    now = timezone.now()
    found = get_object_or_404(
        Booking.objects.select_related("service_item", "community__street_office"),
        pk=pk,
        community_id=request.user.community_id,
    )
    try:
        resident = bookings.arrive(found, request.user, now, client_ip(request))
    except bookings.BookingRefused as refused:
        return _refused_at_desk(refused.message, refused.status)
    except ValidationError as error:
        # The booking's name or phone cannot register a resident (the desk's rules).
        message = _("The resident cannot be registered from this booking: %(why)s") % {
            "why": " ".join(error.messages)
        }
        return _refused_at_desk(message, 422)
    if not request.htmx:
        return redirect(f"{reverse('desks:home')}?item={found.service_item_id}#log-form")
    form = LogRequestForm(
        community_id=request.user.community_id,
        now=now,
        initial={"service_item": found.service_item, "resident": resident.pk},
    )
    (found,) = bookings.mark_affected([found])
    found.status = found.status_at(now)
    return render(
        request,
        "booking/booking_arrived.html",
        {
            "form": form,
            "found_residents": [resident],
            "booked": found,
            "chosen_resident": resident,
            "ticket": QueueTicket.objects.filter(booking=found).first(),
            "oob": True,
        },
    )


def _refused_at_desk(message: str, status: int) -> HttpResponse:
    """As the desk's refusals: the reason as text, and for htmx in the desk's status line."""
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["HX-Trigger"] = json.dumps({"desk-refused": str(message)})
    return response
