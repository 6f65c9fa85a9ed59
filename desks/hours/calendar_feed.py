"""A community's opening windows as an RFC 5545 calendar, for residents' phones."""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from desks.hours import DayHours
from desks.models import Community


def new_calendar(product: str, name: str) -> Calendar:
    """An empty RFC 5545 calendar in the site's time zone."""
    calendar = Calendar()
    calendar.add("prodid", f"-//servicedesk//{product}//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone.get_current_timezone_name())
    return calendar


def provisional_notice(year: int) -> str:
    return _(
        "Provisional: the State Council has not yet published the %(year)s holiday "
        "arrangement; holiday hours may change."
    ) % {"year": year}


def ics(community: Community, days: Iterable[DayHours]) -> bytes:
    calendar = new_calendar(
        "extended hours", _("%(community)s extended hours") % {"community": community.name}
    )
    stamp = timezone.now().replace(microsecond=0)
    summary = _("%(community)s open") % {"community": community.name}
    for day in days:
        title = " · ".join(filter(None, [summary, str(day.note)]))
        if day.provisional:
            title = f"{title} ({_('provisional')})"
        for window in day.windows:
            start, end = window.bounds(day.date)
            event = Event()
            event.add("uid", f"{community.slug}-{start:%Y%m%dT%H%M}@servicedesk")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", title)
            event.add("location", community.address)
            event.add("transp", "TRANSPARENT")
            if day.provisional:
                # Not stated as fact: the year's holiday arrangement may still move this day.
                event.add("status", "TENTATIVE")
                event.add("description", provisional_notice(day.date.year))
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
