"""GET /api/hours/: every community's windows on a date, or at a moment, as JSON.

No personal data; any origin may read it (docs/api.md).
"""

import datetime as dt

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from desks import hours
from desks.core.access import readable_from_any_origin
from desks.core.dates import NOW, BadDate, day_bounds, parse_day, parse_moment
from desks.core.public_cache import expire_at, public_page
from desks.models import Community

# How far ahead `next_change` looks for the next opening (null beyond).
LOOKAHEAD_DAYS = 14


@readable_from_any_origin
@public_page
def hours_on(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    if "at" in request.GET and "date" in request.GET:
        return _json({"error": _("Give either date or at, not both.")}, status=400)
    try:
        if "at" in request.GET:
            moment = parse_moment(request.GET["at"], now)
            day = timezone.localdate(moment)
        else:
            moment = None
            day = parse_day(request.GET.get("date"), default=timezone.localdate(now))
    except BadDate as error:
        return _json({"error": str(error)}, status=400)

    if "community" in request.GET:
        slug = request.GET["community"]
        communities = hours.centres(Community.objects.filter(slug=slug[:50]))
        if not communities:
            message = _("No community “%(slug)s”.") % {"slug": slug[:50]}
            return _json({"error": message}, status=404)
    else:
        communities = hours.centres(Community.objects.all())

    # The answer depends on the clock only when the client let it choose the moment or day.
    depends_on_now = (
        request.GET["at"] == NOW if "at" in request.GET else not request.GET.get("date")
    )
    if moment is None:
        opening = hours.OpeningHours(communities, day, day)
        answer = {
            "date": day.isoformat(),
            "communities": opening.days_as_json(communities, day),
        }
        changes = []
    else:
        opening = hours.OpeningHours(communities, day, day + dt.timedelta(days=LOOKAHEAD_DAYS))
        statuses = [hours.status_at(opening, community, moment) for community in communities]
        answer = {
            "at": moment.replace(microsecond=0).isoformat(),
            "date": day.isoformat(),
            "communities": [hours.status_as_json(status) for status in statuses],
        }
        changes = [status.next_change for status in statuses]
    response = _json(answer)
    if depends_on_now:
        expire_at(response, day_bounds(timezone.localdate(now))[1], *changes)
    return response


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
