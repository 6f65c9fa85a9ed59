"""A worker's own duty as an RFC 5545 calendar, behind their private link (/desk/me.ics)."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event

from desks.hours.calendar_feed import new_calendar
from desks.models import Assignment, User


def duty_ics(worker: User, assignments: Iterable[Assignment], now: dt.datetime) -> bytes:
    calendar = new_calendar("duty rota", _("My duty (%(name)s)") % {"name": worker.display_name})
    stamp = now.replace(microsecond=0)
    for assignment in assignments:
        community = assignment.slot.community
        event = Event()
        event.add("uid", f"duty-{assignment.slot_id}-{worker.pk}@servicedesk")
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(assignment.starts_at))
        event.add("dtend", timezone.localtime(assignment.ends_at))
        event.add("summary", _("Duty at %(community)s") % {"community": community.name})
        event.add("location", community.address)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
