"""Plain factory helpers: each makes one valid object, with keyword overrides."""

import datetime as dt
import itertools
import uuid

from desks.models import (
    Booking,
    Community,
    Role,
    ServiceCategory,
    ServiceItem,
    ServiceRequest,
    StreetOffice,
    User,
)
from residents.models import Resident
from tests.clock import at

_sequence = itertools.count(1)

PASSWORD = "correct-horse-battery"


def make_street_office(**fields):
    n = next(_sequence)
    fields = {"name": f"街道{n}", "slug": f"office-{n}", **fields}
    return StreetOffice.objects.create(**fields)


def make_community(street_office=None, **fields):
    n = next(_sequence)
    fields = {
        "name": f"社区{n}",
        "slug": f"community-{n}",
        "address": f"测试路{n}号",
        "phone": "027-86780000",
        **fields,
    }
    return Community.objects.create(street_office=street_office or make_street_office(), **fields)


def make_user(role=Role.WORKER, community=None, street_office=None, **fields):
    n = next(_sequence)
    if role in (Role.WORKER, Role.HEAD) and community is None:
        community = make_community()
    if role == Role.OFFICE and street_office is None:
        street_office = make_street_office()
    return User.objects.create_user(
        username=fields.pop("username", f"user{n}"),
        password=PASSWORD,
        role=role,
        community=community,
        street_office=street_office,
        is_staff=role in (Role.HEAD, Role.OFFICE),
        **{"last_name": "王", "first_name": f"{n}号", **fields},
    )


def make_service_item(category=None, **fields):
    n = next(_sequence)
    category = category or ServiceCategory.objects.create(name=f"类别{n}")
    fields = {"name": f"事项{n}", "materials": "身份证原件\n户口本原件", **fields}
    return ServiceItem.objects.create(category=category, **fields)


def make_resident(community=None, **fields):
    n = next(_sequence)
    # 166…: a prefix no test writes by hand, so a factory's phone never meets one of theirs.
    fields = {"name": f"居民{n}", "phone": f"166{n:08d}", **fields}
    return Resident.objects.create(community=community or make_community(), **fields)


def make_request(community, service_item, logged_by, logged_at, **fields):
    """A logged request, stored directly (the desk's own rules are tested elsewhere)."""
    fields = {"outcome": "answered", "channel": "walk_in", **fields}
    return ServiceRequest.objects.create(
        community=community,
        service_item=service_item,
        logged_by=logged_by,
        logged_at=logged_at,
        idempotency_key=uuid.uuid4(),
        **fields,
    )


def make_booking(community, item, day, hour=18, **fields):
    """A resident's booking of `day`'s window starting at `hour` (two hours long)."""
    n = Booking.objects.count()
    starts_at = at(day.year, day.month, day.day, hour)
    return Booking.objects.create(
        community=community,
        service_item=item,
        day=day,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        name="张三",
        phone="13912345678",
        code=f"C{n:05d}",
        token_hash=f"{n:064d}",
        created_at=at(2026, 10, 1),
        consent_at=at(2026, 10, 1),
        **fields,
    )
