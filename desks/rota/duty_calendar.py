"""A worker's own duty as an RFC 5545 calendar, behind their private link (/desk/me/<token>.ics).

An event's UID is its slot's and worker's, whatever happens to the slot: a cancelled
slot stays in the feed with STATUS:CANCELLED, so that phones remove it, and a moved
one keeps its UID with the new times. SEQUENCE is the slot's revision, so a phone
takes the newer version.
"""

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
        slot = assignment.slot
        community = slot.community
        event = Event()
        event.add("uid", f"duty-{assignment.slot_id}-{worker.pk}@servicedesk")
        event.add("dtstamp", stamp)
        event.add("sequence", slot.sequence)
        event.add("dtstart", timezone.localtime(assignment.starts_at))
        event.add("dtend", timezone.localtime(assignment.ends_at))
        summary = _("Duty at %(community)s") % {"community": community.name}
        if slot.is_cancelled:
            event.add("status", "CANCELLED")
            summary = _("Cancelled: %(duty)s") % {"duty": summary}
            if slot.cancel_reason:
                event.add("description", slot.cancel_reason)
        elif slot.is_moved:
            event.add("description", _("Time changed"))
        event.add("summary", summary)
        event.add("location", community.address)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
