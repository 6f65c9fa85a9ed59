"""Bookings (预约): what a resident may book, booking and cancelling, arrival at the desk.

What is offered: the next BOOKING_DAYS days (today while a window has not started), the
windows `desks.hours` opens on a day whose hours are not provisional, each only when its
duty slot is in a published rota and has all its workers, and while it has room: the
centre's `BookingCapacity` per window, and the item's `booking_limit` for an item that
takes long. `book` checks it all again under the slot's row lock, so two residents taking
the last place at once cannot both have it.

Affected: a booking whose window `desks.hours` no longer opens (a closure, a changed
window) is affected, decided when it is read (`mark_affected`), never stored: the hours
have one home, and a closure lifted again un-affects it by itself.
"""

import contextlib
import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from desks import hours
from desks.booking import queue as walk_in_queue
from desks.models import (
    Booking,
    BookingCapacity,
    Community,
    DutySlot,
    MonthFigures,
    RotaMonth,
    ServiceItem,
    ServiceRequest,
    User,
)
from desks.models.booking import CODE_ALPHABET, CODE_LENGTH, DEFAULT_PER_WINDOW
from residents import directory
from residents.models import AccessLog, Resident

BOOKING_DAYS = 14
# Bookings one phone may make for one day, and one device (cookie) or network address
# per calendar day. Counted in the shared cache, so every app server counts together.
BOOKINGS_PER_PHONE_PER_DAY = 2
BOOKINGS_PER_DEVICE_PER_DAY = 4
BOOKINGS_PER_ADDRESS_PER_DAY = 30
DEVICE_COOKIE = "booking_device"
DEVICE_COOKIE_AGE = 400 * 24 * 60 * 60
TOKEN_BYTES = 32
# A booking's name and phone are kept this long after its window; then `forget_past`
# clears them (manage.py forget_bookings, daily). The resident's own record, if the
# booking made or found one, follows the residents' retention.
PERSONAL_DATA_KEPT = dt.timedelta(days=90)
CODE_TRIES = 8


class BookingRefused(Exception):
    """A booking that cannot be made or changed; `message` says why, `status` how to answer."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


FULL = gettext_lazy("This time is fully booked now. Please choose another time.")
NOT_OFFERED = gettext_lazy(
    "This time cannot be booked: the centre is not open then, or its staff is not confirmed "
    "yet. Please choose one of the times shown."
)
PAST = gettext_lazy("This time has already begun or passed. Please choose a later time.")


# What is offered


@dataclass
class OfferedWindow:
    window: hours.Window
    starts_at: dt.datetime
    ends_at: dt.datetime
    places_left: int

    @property
    def key(self) -> str:
        """How the page names the window in its links and forms: local YYYY-MM-DDTHH:MM."""
        return f"{timezone.localtime(self.starts_at):%Y-%m-%dT%H:%M}"

    @property
    def is_full(self) -> bool:
        return self.places_left <= 0


@dataclass
class OfferedDay:
    hours: hours.DayHours
    windows: list[OfferedWindow] = field(default_factory=list)

    @property
    def date(self) -> dt.date:
        return self.hours.date

    @property
    def has_room(self) -> bool:
        return any(not window.is_full for window in self.windows)


def per_window(community: Community) -> int:
    """The centre's bookings per window (its head's BookingCapacity, else the default)."""
    capacity = BookingCapacity.objects.filter(community=community).first()
    return DEFAULT_PER_WINDOW if capacity is None else capacity.per_window


def takes_bookings(community: Community) -> bool:
    """Whether the centre's page offers 预约: it has a place per window and a bookable item."""
    return per_window(community) > 0 and ServiceItem.objects.bookable().exists()


def _staffed_slots(community: Community, first: dt.date, last: dt.date) -> dict:
    """The community's live slots from `first` to `last` in a published month with all their
    workers, by their start: the windows someone will be at the desk for."""
    published = set(
        RotaMonth.objects.published()
        .filter(community=community, month__gte=first.replace(day=1), month__lte=last)
        .values_list("month", flat=True)
    )
    slots = (
        DutySlot.objects.live()
        .with_staffing()
        .filter(community=community, date__gte=first, date__lte=last)
    )
    return {
        slot.starts_at: slot
        for slot in slots
        if slot.date.replace(day=1) in published and slot.shortfall == 0
    }


def offered_days(community: Community, item: ServiceItem, now: dt.datetime) -> list[OfferedDay]:
    """The days of the next BOOKING_DAYS the centre opens with staff, each with its windows
    that have not started and how many places each has left for `item` (0: full, shown as
    such). Closed and provisional days, and windows without a staffed slot, are left out.
    Six queries, however many days and bookings."""
    today = timezone.localdate(now)
    last = today + dt.timedelta(days=BOOKING_DAYS - 1)
    opening = hours.OpeningHours([community], today, last)
    slots = _staffed_slots(community, today, last)
    capacity = per_window(community)
    taken = _taken(community, item, today, last)
    offered = []
    for day in opening.days(community):
        if day.provisional or not day.is_open:
            continue
        windows = []
        for window in day.windows:
            start, end = window.bounds(day.date)
            slot = slots.get(start)
            if start <= now or slot is None or slot.ends_at != end:
                continue
            windows.append(OfferedWindow(window, start, end, _left(capacity, item, taken, start)))
        if windows:
            offered.append(OfferedDay(day, windows))
    return offered


def _taken(community, item, first, last) -> dict:
    """Live bookings per window start: all items, and this item."""
    rows = (
        Booking.objects.live()
        .filter(community=community, day__gte=first, day__lte=last)
        .values("starts_at")
        .annotate(total=Count("pk"), of_item=Count("pk", filter=Q(service_item_id=item.pk)))
    )
    return {row["starts_at"]: (row["total"], row["of_item"]) for row in rows}


def _left(capacity: int, item: ServiceItem, taken: dict, start: dt.datetime) -> int:
    total, of_item = taken.get(start, (0, 0))
    left = capacity - total
    if item.booking_limit is not None:
        left = min(left, item.booking_limit - of_item)
    return max(left, 0)


def find_window(days: list[OfferedDay], key: str) -> OfferedWindow | None:
    return next((w for day in days for w in day.windows if w.key == key), None)


# Booking


@dataclass
class Made:
    booking: Booking
    token: str  # shown once, in the link: only its hash is stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def book(
    community: Community,
    item: ServiceItem,
    starts_at: dt.datetime,
    *,
    name: str,
    phone: str,
    now: dt.datetime,
) -> Made:
    """Book the window starting at `starts_at` for `item`; BookingRefused (nothing stored)
    when it has begun, is not offered, or is full.

    The window's duty slot is locked first: a second resident booking the same window waits
    for the first to commit, then counts the first's booking (row lock on PostgreSQL;
    SQLite writes one transaction at a time)."""
    if starts_at <= now:
        raise BookingRefused(str(PAST), 422)
    with transaction.atomic():
        slot = (
            DutySlot.objects.select_for_update()
            .filter(community=community, starts_at=starts_at)
            .live()
            .first()
        )
        if slot is None:
            raise BookingRefused(str(NOT_OFFERED), 409)
        days = offered_days(community, item, now)
        window = find_window(days, f"{timezone.localtime(starts_at):%Y-%m-%dT%H:%M}")
        if window is None:
            raise BookingRefused(str(NOT_OFFERED), 409)
        if window.is_full:
            raise BookingRefused(str(FULL), 409)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        booking = Booking(
            community=community,
            service_item=item,
            day=timezone.localdate(starts_at),
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            name=name,
            phone=phone,
            token_hash=token_hash(token),
            created_at=now,
            consent_at=now,
        )
        for attempt in range(CODE_TRIES):
            booking.code = _new_code()
            try:
                with transaction.atomic():
                    booking.save(force_insert=True)
                break
            except IntegrityError:
                booking.pk = None
                if attempt == CODE_TRIES - 1:
                    raise
    return Made(booking, token)


def find(token: str) -> Booking | None:
    """The booking of this private link, or None: a wrong, forged or anonymised one."""
    if not token or len(token) > 64 or not token.isascii():
        return None
    return (
        Booking.objects.select_related("community", "service_item", "request")
        .filter(token_hash=token_hash(token), anonymised_at__isnull=True)
        .first()
    )


def may_cancel(booking: Booking, now: dt.datetime) -> bool:
    """A resident may cancel a live booking until its window begins."""
    return booking.cancelled_at is None and booking.arrived_at is None and now < booking.starts_at


def cancel(booking: Booking, now: dt.datetime, *, by_resident: bool = True) -> None:
    """Cancel the booking (its place is free again); BookingRefused once it may not be."""
    updated = Booking.objects.filter(
        pk=booking.pk, cancelled_at__isnull=True, arrived_at__isnull=True, starts_at__gt=now
    ).update(cancelled_at=now, cancelled_by_resident=by_resident)
    if not updated:
        raise BookingRefused(
            _(
                "This booking can no longer be cancelled: it was cancelled already, or its time "
                "has begun."
            ),
            409,
        )
    booking.cancelled_at, booking.cancelled_by_resident = now, by_resident
    # A queryset update sends no post_save: the report's kept month of the booking's day.
    MonthFigures.forget([(booking.community_id, booking.day)])


# Affected by a change of hours


def mark_affected(bookings) -> list[Booking]:
    """The bookings, each with `is_affected`: live, and its window no longer opens (per
    desks.hours). Asks the hours once per community, for the range of days shown."""
    bookings = list(bookings)
    by_community = defaultdict(list)
    for booking in bookings:
        booking.is_affected = False
        if booking.cancelled_at is None:
            by_community[booking.community_id].append(booking)
    for rows in by_community.values():
        community = rows[0].community
        opening = hours.OpeningHours(
            [community], min(b.day for b in rows), max(b.day for b in rows)
        )
        for booking in rows:
            day = opening.day(community, booking.day)
            booking.is_affected = not any(
                window.bounds(booking.day) == (booking.starts_at, booking.ends_at)
                for window in day.windows
            )
            booking.affected_note = day.note
    return bookings


def affected_upcoming(communities, now: dt.datetime) -> list[Booking]:
    """Live bookings not yet begun in `communities` that a change of hours affected."""
    upcoming = (
        Booking.objects.live()
        .filter(community__in=communities, ends_at__gt=now)
        .select_related("community__street_office", "service_item")
    )
    return [booking for booking in mark_affected(upcoming) if booking.is_affected]


# Limits


def _count_key(kind: str, value: str, day: dt.date) -> str:
    # A keyed hash: the cache holds no phone number.
    hashed = salted_hmac("desks.booking.limit", value, algorithm="sha256").hexdigest()[:32]
    return f"booking-limit:{kind}:{hashed}:{day.isoformat()}"


def take_allowance(*, phone: str, device: str, address: str, now: dt.datetime) -> str | None:
    """Count one booking against the phone, the device and the address for today; the
    message to answer 429 with when any is over its limit (nothing counted then)."""
    today = timezone.localdate(now)
    limits = [
        ("phone", phone, BOOKINGS_PER_PHONE_PER_DAY),
        ("device", device, BOOKINGS_PER_DEVICE_PER_DAY),
        ("address", address, BOOKINGS_PER_ADDRESS_PER_DAY),
    ]
    counted = []
    for kind, value, limit in limits:
        key = _count_key(kind, value, today)
        cache.add(key, 0, timeout=2 * 24 * 60 * 60)
        try:
            count = cache.incr(key)
        except ValueError:  # a cache that stores nothing limits nothing
            continue
        counted.append(key)
        if count > limit:
            for key in counted:
                cache.decr(key)
            if kind == "phone":
                return _(
                    "This phone number has made %(limit)d bookings today, the most one phone "
                    "may make in a day. Please call the centre if you need more."
                ) % {"limit": limit}
            return _(
                "Too many bookings from this phone or network today. Please try again "
                "tomorrow, or call the centre."
            )
    return None


def give_back_allowance(*, phone: str, device: str, address: str, now: dt.datetime) -> None:
    """A booking counted but refused (full, not offered) does not use up the allowance."""
    today = timezone.localdate(now)
    for kind, value in (("phone", phone), ("device", device), ("address", address)):
        with contextlib.suppress(ValueError):  # the count expired meanwhile
            cache.decr(_count_key(kind, value, today))


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


# The calendar file


def ics(booking: Booking) -> bytes:
    """The booking as an RFC 5545 event: the centre's address, the window, what to bring."""
    calendar = Calendar()
    calendar.add("prodid", "-//servicedesk//booking//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", timezone.get_current_timezone_name())
    event = Event()
    event.add("uid", f"booking-{booking.code}@servicedesk")
    event.add("dtstamp", booking.created_at.replace(microsecond=0))
    event.add("dtstart", timezone.localtime(booking.starts_at))
    event.add("dtend", timezone.localtime(booking.ends_at))
    event.add(
        "summary",
        _("%(item)s at %(community)s (booking %(code)s)")
        % {
            "item": booking.service_item.name,
            "community": booking.community.name,
            "code": booking.code,
        },
    )
    event.add("location", booking.community.address)
    materials = booking.service_item.material_list
    description = _("Booking code: %(code)s") % {"code": booking.code}
    if materials:
        description += "\n" + _("Please bring:") + "\n" + "\n".join(materials)
    event.add("description", description)
    if booking.cancelled_at is not None:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# At the desk


def at_desk(community_id: int, now: dt.datetime) -> list[Booking]:
    """Today's bookings of the community, live or cancelled, by window, each with
    `is_affected` and `status` (Booking.status_at). Four queries, however many."""
    today = timezone.localdate(now)
    rows = (
        Booking.objects.on_day(community_id, today)
        .select_related("community__street_office", "service_item", "resident", "request")
        .order_by("starts_at", "created_at")
    )
    rows = mark_affected(rows)
    for booking in rows:
        booking.status = booking.status_at(now)
    return rows


def desk_context(user: User, now: dt.datetime) -> dict:
    """What the desk's booking panel (templates/booking/_desk_bookings.html) shows: today's
    bookings, and for the head how many later ones a change of hours affected."""
    context = {"desk_bookings": at_desk(user.community_id, now)}
    if user.is_head_of(user.community_id):
        context["affected_later"] = [
            booking
            for booking in affected_upcoming([user.community_id], now)
            if booking.day > timezone.localdate(now)
        ]
    return context


def record_shown(rows, user: User, ip_address: str | None) -> None:
    """A page that names booked residents leaves one list record (as AccessLog.record_list
    does for residents): how many bookings it named, nothing when it named nobody."""
    named = [booking for booking in rows if booking.anonymised_at is None and booking.name]
    if named:
        AccessLog.record(
            AccessLog.Action.SEARCHED,
            user=user,
            ip_address=ip_address,
            count=len(named),
            community_id=named[0].community_id,
        )


class ArrivalRefused(BookingRefused):
    pass


@transaction.atomic
def arrive(booking: Booking, user: User, now: dt.datetime, ip_address: str | None) -> Resident:
    """到了: the booked resident is at the desk. Records the arrival (once), and finds the
    resident by phone in the community, or registers them with the consent they gave when
    booking (residents.directory.register: the desk's rules). Returns the resident; `booking`
    is updated to match."""
    shown, booking = booking, Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.cancelled_at is not None:
        raise ArrivalRefused(_("This booking was cancelled."), 409)
    if timezone.localdate(now) != booking.day:
        raise ArrivalRefused(_("This booking is for another day."), 409)
    if booking.anonymised_at is not None:
        raise ArrivalRefused(_("This booking was anonymised."), 409)
    resident = booking.resident
    if resident is None:
        resident = (
            Resident.objects.filter(community_id=booking.community_id, phone=booking.phone)
            .not_anonymised()
            .first()
        )
        if resident is None:
            resident = directory.register(
                Resident(community_id=booking.community_id, name=booking.name, phone=booking.phone),
                registered_by=user,
                consent=True,  # given on the booking page, which says so
                now=now,
                ip_address=ip_address,
            )
        else:
            AccessLog.record(
                AccessLog.Action.VIEWED, user=user, ip_address=ip_address, resident=resident
            )
    fields = ["resident"]
    booking.resident = resident
    if booking.arrived_at is None:
        booking.arrived_at = now
        fields.append("arrived_at")
        # The booked resident joins the queue, called before walk-ins once their time comes.
        walk_in_queue.take_number(
            shown.community,
            shown.service_item,
            now,
            taken_by=user,
            resident=resident,
            due_at=booking.starts_at,
            booking=booking,
        )
    booking.save(update_fields=fields)
    shown.resident, shown.arrived_at = resident, booking.arrived_at
    return resident


def honour(logged: ServiceRequest) -> int:
    """Link a request just logged to the booking it serves: today's booking of the same
    resident and item at the same desk that arrived and is not served yet (the earliest).
    Called by the desk's save: one UPDATE, and no query for an anonymous walk-in.
    Returns how many bookings it linked (0 or 1)."""
    if logged.resident_id is None:
        return 0
    waiting = (
        Booking.objects.live()
        .filter(
            community_id=logged.community_id,
            resident_id=logged.resident_id,
            service_item_id=logged.service_item_id,
            day=timezone.localdate(logged.logged_at),
            arrived_at__isnull=False,
            request__isnull=True,
        )
        .order_by("starts_at", "pk")
        .values("pk")[:1]
    )
    linked = Booking.objects.filter(pk__in=Subquery(waiting)).update(request=logged)
    if linked:
        # The booking is for the request's day: forgetting its month asks nothing more
        # (and writes nothing tonight).
        MonthFigures.forget([(logged.community_id, logged.logged_at)])
        walk_in_queue.close_booked(logged)
    return linked


def forget_past(now: dt.datetime) -> int:
    """Clear the name and phone of bookings whose window ended PERSONAL_DATA_KEPT ago; the
    rows stay for the report. Returns how many were cleared."""
    return Booking.objects.filter(
        ends_at__lt=now - PERSONAL_DATA_KEPT, anonymised_at__isnull=True
    ).update(name="", phone="", anonymised_at=now)
