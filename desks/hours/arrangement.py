"""Entering a year's official holiday arrangement: the notice's days become calendar
corrections (CalendarDay rows), and the year stops being provisional."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from desks.hours.notice import Arrangement
from desks.models import CalendarDay, HolidayArrangement, User


@dataclass(frozen=True)
class ProposedDay:
    date: dt.date
    kind: str  # CalendarDay.Kind
    name: str


@dataclass(frozen=True)
class Replaced:
    """A stored correction that entering the arrangement changes or removes."""

    correction: CalendarDay
    proposed: ProposedDay | None  # None: the notice has nothing on this date


def proposed_days(arrangement: Arrangement) -> dict[dt.date, ProposedDay]:
    """The CalendarDay rows the arrangement asks for: every day off, every make-up day."""
    days = {
        date: ProposedDay(date, CalendarDay.Kind.HOLIDAY, name)
        for date, name in arrangement.days_off().items()
    }
    days |= {
        date: ProposedDay(date, CalendarDay.Kind.WORKDAY, name)
        for date, name in arrangement.working_days().items()
    }
    return dict(sorted(days.items()))


def _stored(arrangement: Arrangement, proposal: dict[dt.date, ProposedDay]):
    """The corrections the arrangement answers for: its year's, and any on its dates
    (元旦 may start in the December before)."""
    return CalendarDay.objects.filter(Q(date__year=arrangement.year) | Q(date__in=list(proposal)))


def replaced_corrections(arrangement: Arrangement) -> list[Replaced]:
    """Stored corrections that differ from the arrangement: entering it replaces them."""
    proposal = proposed_days(arrangement)
    replaced = []
    for correction in _stored(arrangement, proposal):
        proposed = proposal.get(correction.date)
        if proposed is None or (proposed.kind, proposed.name) != (
            correction.kind,
            correction.name,
        ):
            replaced.append(Replaced(correction, proposed))
    return replaced


@transaction.atomic
def enter_arrangement(
    arrangement: Arrangement, notice: str, user: User, now: dt.datetime
) -> HolidayArrangement:
    """Store the arrangement as the year's calendar corrections, replacing the ones it
    contradicts, and record the year as confirmed: all or nothing.

    Rows that already say the same are left alone; every change goes through save()
    or delete(), so whatever listens to CalendarDay (the public pages' purge) hears it.
    """
    proposal = proposed_days(arrangement)
    stored = {correction.date: correction for correction in _stored(arrangement, proposal)}
    for date, correction in stored.items():
        if date not in proposal:
            correction.delete()
    for date, proposed in proposal.items():
        correction = stored.get(date)
        if correction is None:
            CalendarDay.objects.create(date=date, kind=proposed.kind, name=proposed.name)
        elif (correction.kind, correction.name) != (proposed.kind, proposed.name):
            correction.kind, correction.name = proposed.kind, proposed.name
            correction.save(update_fields=["kind", "name"])
    confirmed, _created = HolidayArrangement.objects.update_or_create(
        year=arrangement.year,
        defaults={"notice": notice, "confirmed_at": now, "confirmed_by": user},
    )
    return confirmed
