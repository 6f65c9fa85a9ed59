"""Public pages: no login, no personal data, cacheable, phone first."""

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from desks import hours
from desks.booking import bookings
from desks.core.access import readable_from_any_origin
from desks.core.dates import BadDate, day_bounds, parse_day
from desks.core.public_cache import expire_at, public_page
from desks.hours import calendar_feed, door_poster, structured_data
from desks.models import Community, ServiceCategory, ServiceItem
from desks.voice import feedback

LOOKAHEAD_DAYS = 14
WEEK_DAYS = 7
FEED_DAYS = 60
# A city has a thousand centres: `/` shows them a page at a time (and `?office=` one
# street office's), so the page costs the same to render however many there are.
HOME_PAGE_SIZE = 50


class CardOffice(NamedTuple):
    """A card's street office: its link, and the rules its centres' hours follow."""

    slug: str
    name: str
    holiday_rule: str
    working_weekend_rule: str


class Card(NamedTuple):
    """A community as its card on `/` shows it, read as values, not a model instance.

    It answers `pk`, `street_office_id` and `street_office` (with the office's rules)
    like a Community does, so `hours.OpeningHours` takes it. Fifty communities with
    their offices cost ~2.2 ms of CPU as model instances and ~1.1 ms as values.
    """

    pk: int
    slug: str
    name: str
    address: str
    phone: str
    street_office_id: int
    street_office: CardOffice


def cards(communities: QuerySet[Community]) -> list[Card]:
    """`communities` as Cards, in their order, in one query."""
    offices = {}
    found = []
    for pk, slug, name, address, phone, office_id, *office in communities.values_list(
        "pk",
        "slug",
        "name",
        "address",
        "phone",
        "street_office_id",
        "street_office__slug",
        "street_office__name",
        "street_office__holiday_rule",
        "street_office__working_weekend_rule",
    ):
        if (card_office := offices.get(office_id)) is None:
            card_office = offices[office_id] = CardOffice(*office)
        found.append(Card(pk, slug, name, address, phone, office_id, card_office))
    return found


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    body = render_to_string("public/bad_request.html", {"message": message}, request)
    return HttpResponseBadRequest(body)


@public_page
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    try:
        day = parse_day(request.GET.get("date"), default=today)
    except BadDate as error:
        return bad_request(request, str(error))

    communities = Community.objects.all()
    if office := request.GET.get("office", "")[:50]:
        communities = communities.filter(street_office__slug=office)
    page = _page_number(request.GET.get("page"))
    # One row more than a page says whether a next page exists, without a COUNT query.
    start = (page - 1) * HOME_PAGE_SIZE
    communities = cards(communities[start : start + HOME_PAGE_SIZE + 1])
    has_next = len(communities) > HOME_PAGE_SIZE
    communities = communities[:HOME_PAGE_SIZE]
    opening = hours.OpeningHours(communities, day, day + dt.timedelta(days=LOOKAHEAD_DAYS))
    # Another day: what it looks like from that day's first moment, until today moves.
    moment = now if day == today else day_bounds(day)[0]
    url = Community.absolute_urls()
    rows = [
        (community, url(community), hours.status_at(opening, community, moment))
        for community in communities
    ]
    shown = [status.day for *_card, status in rows] + [
        status.next_opening[0] for *_card, status in rows if status.next_opening
    ]
    response = render(
        request,
        "public/home.html",
        {
            "rows": rows,
            "day": day,
            "is_today": day == today,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "today": today,
            "office": office,
            "page": page,
            "has_next": has_next,
            "provisional_years": hours.provisional_years(shown),
        },
    )
    changes = [status.next_change for *_card, status in rows] if day == today else []
    return expire_at(response, day_bounds(today)[1], *changes)


def _page_number(value: str | None) -> int:
    """?page=N, where anything that is not a page number means the first page."""
    return (
        int(value)
        if value and value.isascii() and value.isdigit() and 0 < int(value) < 10_000
        else 1
    )


@public_page
def community(request: HttpRequest, slug: str) -> HttpResponse:
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    now = timezone.now()
    today = timezone.localdate(now)
    opening = hours.OpeningHours([centre], today, today + dt.timedelta(days=FEED_DAYS))
    week = [opening.day(centre, today + dt.timedelta(days=n)) for n in range(WEEK_DAYS)]
    categories = ServiceCategory.objects.prefetch_related(
        Prefetch("items", queryset=ServiceItem.objects.in_extended_hours(), to_attr="offered")
    )
    weekly = opening.week_of(centre)
    status = hours.status_at(opening, centre, now)
    shown = week + ([status.next_opening[0]] if status.next_opening else [])
    response = render(
        request,
        "public/community.html",
        {
            "community": centre,
            "status": status,
            "week": week,
            "provisional_years": hours.provisional_years(shown),
            "categories": [category for category in categories if category.offered],
            "osm_opening_hours": hours.osm_opening_hours(weekly, centre.street_office.holiday_rule),
            "json_ld": structured_data.json_ld(request, centre, weekly, list(opening.days(centre))),
            "menu": feedback.tonight_menu(centre),
            "voting_round": feedback.open_round(centre, now),
            "takes_bookings": bookings.takes_bookings(centre),
        },
    )
    return expire_at(
        response,
        day_bounds(today)[1],
        status.next_change,
        feedback.next_round_change(centre, now),
    )


@readable_from_any_origin
@public_page
def community_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    today = timezone.localdate()
    opening = hours.OpeningHours([centre], today, today + dt.timedelta(days=FEED_DAYS - 1))
    response = HttpResponse(
        calendar_feed.ics(centre, opening.days(centre)),
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{centre.slug}-hours.ics"'},
    )
    # The feed starts today: tomorrow it starts a day later.
    return expire_at(response, day_bounds(today)[1])


@public_page
def poster(request: HttpRequest, slug: str) -> HttpResponse:
    """The door poster: one A4 page with this week's hours, the special days ahead and a QR code."""
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    today = timezone.localdate()
    door = door_poster.door_poster(centre, today)
    with translation.override(settings.LANGUAGE_CODE):
        # Residents who scan the door get the Chinese page, whatever language printed it.
        url = request.build_absolute_uri(reverse("desks:community", args=[centre.slug]))
    response = render(
        request,
        "public/poster.html",
        {
            "community": centre,
            "poster": door,
            "today": today,
            "provisional_years": hours.provisional_years(door.days),
            "community_url": url,
            "qr": feedback.qr_svg(url, _("QR code: this centre's page")),
        },
    )
    # "This week" starts today: tomorrow it starts a day later.
    return expire_at(response, day_bounds(today)[1])
