"""GET /api/hours/: every community's windows on a date, as JSON. No personal data."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from desks import hours
from desks.core.dates import BadDate, parse_day
from desks.core.public_cache import public_page
from desks.models import Community


@public_page
def hours_on(request: HttpRequest) -> JsonResponse:
    try:
        day = parse_day(request.GET.get("date"), default=timezone.localdate())
    except BadDate as error:
        return _json({"error": str(error)}, status=400)

    communities = Community.objects.select_related("street_office")
    if "community" in request.GET:
        slug = request.GET["community"]
        communities = list(communities.filter(slug=slug[:50]))
        if not communities:
            message = _("No community “%(slug)s”.") % {"slug": slug[:50]}
            return _json({"error": message}, status=404)

    opening = hours.OpeningHours(communities, day, day)
    return _json(
        {
            "date": day.isoformat(),
            "communities": [opening.day(community, day).as_json() for community in communities],
        }
    )


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
