"""The demo's bookings (预约): two items bookable, a few residents booked on this evening's
windows and the next open day's, so the desk and /c/<slug>/ show them."""

import datetime as dt
import hashlib
import uuid

from django.utils import timezone

from desks import hours
from desks.booking.bookings import token_hash
from desks.demo import COMMUNITIES, DEMO_NAMESPACE
from desks.models import Booking, Community, ServiceItem
from desks.models.booking import CODE_ALPHABET, CODE_LENGTH

# Long matters worth a reserved time; 居民医保 takes at most 3 bookings a window.
BOOKABLE = {"居民医保参保登记": 3, "生育保险联系单": None}
PER_DAY = (3, 2)  # bookings on the first open day (today if open), then the next one
COMMUNITIES_BOOKED = 3


def _number(seed: str) -> int:
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16)


def _code(seed: str) -> str:
    number = _number(seed)
    code = ""
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        code += CODE_ALPHABET[digit]
    return code


def bookings(rng, now: dt.datetime) -> int:
    """Create the demo's bookings that are missing; return how many were created."""
    created = 0
    for name, limit in BOOKABLE.items():
        ServiceItem.objects.filter(name=name).update(bookable=True, booking_limit=limit)
    items = list(ServiceItem.objects.filter(name__in=BOOKABLE).order_by("name"))
    if not items:
        return 0
    today = timezone.localdate(now)
    slugs = [entry[0] for entry in COMMUNITIES[:COMMUNITIES_BOOKED]]
    communities = Community.objects.filter(slug__in=slugs).select_related("street_office")
    opening = hours.OpeningHours(communities, today, today + dt.timedelta(days=14))
    for community in communities:
        open_days = [day for day in opening.days(community) if day.windows][: len(PER_DAY)]
        for day, count in zip(open_days, PER_DAY, strict=False):
            window = day.windows[0]
            starts_at, ends_at = window.bounds(day.date)
            for n in range(count):
                seed = f"booking-{community.slug}-{day.date}-{n}"
                family, given = rng.person_name()
                _, new = Booking.objects.get_or_create(
                    code=_code(seed),
                    defaults={
                        "community": community,
                        "service_item": items[n % len(items)],
                        "day": day.date,
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "name": f"{family}{given}",
                        "phone": f"137{_number(seed) % 10**8:08d}",
                        "token_hash": token_hash(str(uuid.uuid5(DEMO_NAMESPACE, seed))),
                        "created_at": now - dt.timedelta(days=1),
                        "consent_at": now - dt.timedelta(days=1),
                    },
                )
                created += new
    return created
