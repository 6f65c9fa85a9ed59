"""schema.org JSON-LD for a community's page, so maps and search engines know its hours."""

import json

from django.utils.safestring import mark_safe

from desks.hours import DayHours, DayKind, Window
from desks.models import Community

SCHEMA_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# What json_script escapes, so "</script>" in a name cannot end the element.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(
    request, community: Community, week: dict[int, tuple[Window, ...]], days: list[DayHours]
):
    """A GovernmentOffice with its weekly hours and its special days (holidays, overrides),
    leaving out days of a year whose holiday arrangement is not yet official."""
    regular = [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[weekday]}",
            "opens": f"{window.start:%H:%M}",
            "closes": f"{window.end:%H:%M}",
        }
        for weekday in range(7)
        for window in week[weekday]
    ]
    special = []
    for day in days:
        # A provisional day's hours are a guess: nothing is stated about them as fact.
        if day.kind == DayKind.REGULAR or day.provisional:
            continue
        # schema.org marks a closed day with opens = closes = 00:00.
        windows = day.windows or (None,)
        for window in windows:
            special.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "validFrom": day.date.isoformat(),
                    "validThrough": day.date.isoformat(),
                    "opens": f"{window.start:%H:%M}" if window else "00:00",
                    "closes": f"{window.end:%H:%M}" if window else "00:00",
                    "description": str(day.note),
                }
            )
    data = {
        "@context": "https://schema.org",
        "@type": "GovernmentOffice",
        "name": community.name,
        "url": request.build_absolute_uri(community.get_absolute_url()),
        "telephone": community.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": community.address,
            "addressCountry": "CN",
        },
        "parentOrganization": {
            "@type": "GovernmentOrganization",
            "name": community.street_office.name,
        },
        "openingHoursSpecification": regular,
        "specialOpeningHoursSpecification": special,
    }
    return mark_safe(json.dumps(data, ensure_ascii=False, indent=1).translate(_ESCAPES))
