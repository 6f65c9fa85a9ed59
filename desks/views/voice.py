"""Residents' voice: the vote page (点单), the rating page (好差评), the desk's QR code, call-backs.

The vote and rating pages are public but never cached: they carry a form with a
CSRF token and answer per device. The community page links to them and stays cacheable.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from desks.core.access import desk_worker
from desks.core.client import client_ip
from desks.core.public_problem import device_token, problem
from desks.models import CallBack, Community, Rating, ServiceItem, ServiceRequest
from desks.models.voice import RATING_VALID_FOR
from desks.voice import feedback
from desks.voice.forms import CloseCallBackForm, RatingForm, VoteForm
from residents.free_text import masked_notice, tell_if_masked

# Public


def _too_many(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        429,
        _("Too many tries"),
        _("Too many tries from this network in a minute. Please wait a minute and try again."),
    )


def _address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _device_token(request: HttpRequest) -> str | None:
    return device_token(request, feedback.DEVICE_COOKIE)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    if request.method == "POST" and feedback.is_rate_limited(
        "vote", _address(request), feedback.VOTE_LIMIT, now
    ):
        return _too_many(request)
    centre = get_object_or_404(Community, slug=slug)
    voting_round = feedback.open_round(centre, now)
    token = _device_token(request)
    context = {"community": centre, "voting_round": voting_round}
    if voting_round is None:
        status = 409 if request.method == "POST" else 200
        return render(request, "voice/vote.html", context, status=status)
    if feedback.has_voted(voting_round, token):
        status = 409 if request.method == "POST" else 200
        return render(request, "voice/vote.html", {**context, "voted": True}, status=status)

    form = VoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token = token or feedback.new_device_token()
        try:
            stored = feedback.cast_vote(
                voting_round,
                token,
                now,
                service_item=form.cleaned_data["service_item"],
                wish=form.cleaned_data["wish"],
                address=_address(request),
            )
        except feedback.TooManyVotesFromAddress:
            return problem(
                request,
                429,
                _("Enough votes from this network"),
                _(
                    "This round has had as many votes from this network as it takes. "
                    "Thank you: the votes already cast count."
                ),
            )
        # No message here: public pages show none, and one left unread would stay in a
        # cookie on the resident's phone. The wish is stored masked all the same.
        response = redirect(request.path)
        if stored:
            # The only place the device cookie is set: public pages never read it.
            response.set_cookie(
                feedback.DEVICE_COOKIE,
                token,
                max_age=feedback.DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
    items = (
        ServiceItem.objects.active()
        .select_related("category")
        .order_by("category__position", "category__name", "position", "name")
    )
    return render(
        request,
        "voice/vote.html",
        {**context, "form": form, "items": items},
        status=422 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    if feedback.is_rate_limited("rate", _address(request), feedback.RATING_LIMIT, now):
        return _too_many(request)
    invitation = feedback.find_invitation(token)
    if invitation is None:
        return problem(
            request,
            404,
            _("This rating link is not valid"),
            _("Please check the link, or scan the QR code on your paper again."),
        )
    already_rated = problem(
        request,
        410,
        _("This visit has been rated already"),
        _("Each visit can be rated once. Thank you for telling us how it went."),
    )
    if Rating.objects.filter(request_id=invitation.request_id).exists():
        return already_rated
    if invitation.has_expired(now):
        return problem(
            request,
            410,
            _("This rating link has expired"),
            _(
                "A visit can be rated within %(days)d days. You are welcome to call the centre "
                "instead."
            )
            % {"days": RATING_VALID_FOR.days},
        )
    form = RatingForm(request.POST if request.method == "POST" else None)
    context = {"visit": invitation.request, "community": invitation.request.community}
    if request.method == "POST" and form.is_valid():
        rating = feedback.rate(
            invitation, form.cleaned_data["level"], form.cleaned_data["comment"], now
        )
        if rating is None:
            return already_rated
        call_back_days = feedback.CALL_BACK_WORKING_DAYS
        return render(
            request,
            "voice/rated.html",
            {
                **context,
                "rating": rating,
                "call_back_days": call_back_days,
                # Said on this page: public pages show no messages (django.contrib.messages).
                "masked_notice": masked_notice(form),
            },
        )
    return render(
        request,
        "voice/rate.html",
        {**context, "form": form},
        status=422 if request.method == "POST" else 200,
    )


# Desk


@desk_worker
@require_GET
def rating_qr(request: HttpRequest, pk: int) -> HttpResponse:
    logged = get_object_or_404(
        ServiceRequest.objects.alive().select_related("service_item"),
        pk=pk,
        community_id=request.user.community_id,
    )
    response = render(
        request,
        "voice/rating_qr.html",
        {"logged": logged, **feedback.rating_link(request, logged, timezone.now())},
    )
    # The link lets anyone rate this visit once: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@desk_worker
@require_POST
def close_call_back(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    call_back = get_object_or_404(
        CallBack.objects.open()
        .with_overdue(now)
        .select_related("rating__request__service_item", "owner"),
        pk=pk,
        rating__request__community_id=request.user.community_id,
    )
    if not call_back.may_be_closed_by(request.user):
        raise PermissionDenied
    form = CloseCallBackForm(request.POST)
    if form.is_valid():
        call_back.close(request.user, now, form.cleaned_data["resolution"])
        tell_if_masked(request, form)
        if not request.htmx:
            return redirect("desks:follow_ups")
    response = render(
        request,
        "voice/call_backs.html#call-back",
        {"call_back": call_back, "close_call_back_form": form},
        status=200 if form.is_valid() else 422,
    )
    response["Cache-Control"] = "no-store"
    return response
