"""The demo street office: its communities, catalogue, staff and residents.

Idempotent: every row is found by its natural key and created only when
missing, so a second run changes nothing (not even a password hash).
"""

import datetime as dt
import functools
import random
import tomllib
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from desks.demo import COMMUNITIES, STREET_OFFICE
from desks.demo.activity import request_history, rota
from desks.demo.booking import bookings
from desks.demo.queue import tickets
from desks.demo.voice import ratings, voting
from desks.models import (
    Community,
    DateOverride,
    Role,
    ServiceCategory,
    ServiceItem,
    StreetOffice,
    User,
    WeeklyWindow,
)
from residents import id_numbers
from residents.models import Resident, Tag

DEMO_FILE = Path(__file__).resolve().parent / "demo.toml"

ESTATES = ["和平里", "幸福家园", "光明小区", "翠苑新村", "新华苑", "东湖花园", "水岸春天"]

# When the demo residents agreed to be kept on record (a fixed moment, so reruns match).
CONSENT_AT = dt.datetime(2026, 3, 2, 18, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


class DemoRandom(random.Random):
    """Seeded, so every run of seed_demo derives the same people and the same choices."""

    def __init__(self, names):
        super().__init__(2026)
        self.family_names = list(names["family"])
        self.given_names = names["given"]

    def person_name(self):
        """(family name, given name)"""
        return self.choice(self.family_names), self.choice(self.given_names)


def demo_usernames():
    names = ["office"]
    for slug, *_, workers in COMMUNITIES:
        names.append(f"{slug}-head")
        names.extend(f"{slug}-{n}" for n in range(1, workers + 1))
    return names


def load_demo():
    """The demo's catalogue and the names it gives people, from desks/demo/demo.toml."""
    with DEMO_FILE.open("rb") as file:
        return tomllib.load(file)


# The steps `seed` reports through `done`: the catalogue, each community, then the
# rota, the request history, the votes, the ratings, the bookings and the queue.
SEED_STEPS = 1 + len(COMMUNITIES) + 6


def seed(done=lambda: None):
    """Create whatever part of the demo is missing; return how many rows were created.

    `done()` is called after each of `SEED_STEPS` steps (a command's progress).
    """
    created = 0
    demo = load_demo()
    rng = DemoRandom(demo["names"])

    office, new = StreetOffice.objects.get_or_create(
        slug=STREET_OFFICE["slug"], defaults=STREET_OFFICE
    )
    created += new

    categories = []
    for position, entry in enumerate(demo["category"]):
        category, new = ServiceCategory.objects.get_or_create(
            name=entry["name"], defaults={"position": position}
        )
        created += new
        categories.append(category)
        for item_position, item in enumerate(entry["item"]):
            _, new = ServiceItem.objects.get_or_create(
                name=item["name"],
                defaults={
                    "category": category,
                    "materials": "\n".join(item["materials"]),
                    "steps": "\n".join(item["steps"]),
                    "finishable_at_desk": item["finishable_at_desk"],
                    "offered_in_extended_hours": item.get("offered_in_extended_hours", True),
                    "position": item_position,
                },
            )
            created += new

    created += _user("office", Role.OFFICE, ("陈", "静"), street_office=office)
    done()

    for index, (slug, name, address, phone, workers) in enumerate(COMMUNITIES):
        community, new = Community.objects.get_or_create(
            slug=slug,
            defaults={"street_office": office, "name": name, "address": address, "phone": phone},
        )
        created += new
        created += _user(f"{slug}-head", Role.HEAD, rng.person_name(), community=community)
        head = User.objects.get(username=f"{slug}-head")
        for number in range(1, workers + 1):
            trained = rng.sample(categories, k=rng.randint(2, 4))
            created += _user(
                f"{slug}-{number}",
                Role.WORKER,
                rng.person_name(),
                community=community,
                trained=trained,
            )
        head = User.objects.get(username=f"{slug}-head")
        created += _residents(community, rng, index, recorded_by=head)
        created += _hours(community)
        done()
    created += rota(timezone.now())
    done()
    created += request_history(rng)
    done()
    created += voting(rng)
    done()
    created += ratings(rng)
    done()
    created += bookings(rng, timezone.now())
    done()
    created += tickets()
    done()
    return created


# Communities that do not follow the street office's default week:
# slug -> [(weekday, start, end)]
OWN_WEEKS = {
    # A small centre: two evenings and a Saturday morning.
    "cuiyuan": [(1, "17:30", "20:00"), (3, "17:30", "20:00"), (5, "09:00", "12:00")],
    # Closed for lunch at weekends.
    "xinhua": [
        *[(day, "18:00", "20:00") for day in range(5)],
        *[
            (day, start, end)
            for day in (5, 6)
            for start, end in (("08:30", "12:00"), ("14:00", "16:30"))
        ],
    ],
}


def _hours(community):
    created = 0
    for weekday, start, end in OWN_WEEKS.get(community.slug, []):
        _, new = WeeklyWindow.objects.get_or_create(
            community=community,
            weekday=weekday,
            start=dt.time.fromisoformat(start),
            defaults={"end": dt.time.fromisoformat(end)},
        )
        created += new
    if community.slug == "guangming":
        # Found by its reason, so a later run does not add another one.
        _, new = DateOverride.objects.get_or_create(
            community=community,
            reason="消防设施检修，暂停开放",
            defaults={"date": timezone.localdate() + dt.timedelta(days=3)},
        )
        created += new
    return created


@functools.cache
def _demo_password_hash():
    """Hashing is slow on purpose; the demo hashes its one password once, not per user."""
    return make_password(settings.DEMO_PASSWORD)


def _user(username, role, name, community=None, street_office=None, trained=()):
    if User.objects.filter(username=username).exists():
        return 0
    last_name, first_name = name
    user = User.objects.create(
        username=username,
        password=_demo_password_hash(),
        role=role,
        community=community,
        street_office=street_office,
        last_name=last_name,
        first_name=first_name,
        is_staff=role in (Role.HEAD, Role.OFFICE),
    )
    user.trained_categories.set(trained)
    return 1


def demo_id_number(birth_year, rng):
    """A well-formed ID number (region 420111, valid check character) that is nobody's."""
    birth = f"{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first_17 = f"420111{birth}{rng.randint(900, 999)}"
    return first_17 + id_numbers.check_character(first_17)


def _residents(community, rng, index, recorded_by, count=40):
    created = 0
    tags = list(Tag.objects.order_by("position"))
    # Its own generator, so the people drawn from `rng` stay those of earlier demos.
    private = random.Random(f"residents-{index}")
    for number in range(1, count + 1):
        # 139 0<community><number>: a block of numbers nobody real is given in the demo.
        phone = f"1390{index:02d}{number:05d}"
        last_name, first_name = rng.person_name()
        building, unit, room = rng.randint(1, 12), rng.randint(1, 4), rng.randint(1, 6) * 100 + 1
        estate = rng.choice(ESTATES)
        room += rng.randint(0, 3)
        # Every run draws the same numbers in the same order, new residents or not.
        birth_year = private.randint(1935, 2005)
        id_number = demo_id_number(birth_year, private)
        has_id_number = private.random() < 0.25
        chosen_tags = private.sample(tags, k=min(private.choice([0, 0, 0, 1, 1, 2]), len(tags)))
        resident, new = Resident.objects.get_or_create(
            community=community,
            phone=phone,
            defaults={
                "name": f"{last_name}{first_name}",
                "estate": estate,
                "building": str(building),
                "unit": str(unit),
                "room": str(room),
                "birth_year": birth_year,
                "consent_at": CONSENT_AT + dt.timedelta(days=number),
                "consent_recorded_by": recorded_by,
                "id_number_hash": id_numbers.digest(id_number) if has_id_number else "",
                "id_number_last4": id_numbers.last_four(id_number) if has_id_number else "",
            },
        )
        if new:
            resident.tags.set(chosen_tags)
        created += new
    return created


# How often each outcome is logged at a real desk: mostly questions answered.
