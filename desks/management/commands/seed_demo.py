"""Fill the database with a realistic demo street office.

Idempotent: every row is found by its natural key and created only when
missing, so a second run changes nothing (not even a password hash).
"""

import datetime as dt
import functools
import hashlib
import random
import tomllib
import uuid
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from desks.core.dates import Month, first_of_month
from desks.models import (
    Absence,
    Assignment,
    CallBack,
    Channel,
    Community,
    CompLeave,
    DateOverride,
    FollowUp,
    Level,
    Outcome,
    Rating,
    Role,
    RotaMonth,
    ServiceCategory,
    ServiceItem,
    ServiceRequest,
    SlotKind,
    StreetOffice,
    SwapRequest,
    User,
    Vote,
    VotingRound,
    WeeklyWindow,
)
from desks.rota.comp_time import balance, request_leave
from desks.rota.duty import RotaError, ask_swap, check_in, confirm_served, make_slots
from desks.rota.planning import generate_month, publish
from desks.voice import feedback
from residents import id_numbers
from residents.models import Resident, Tag

STREET_OFFICE = {"slug": "donghu", "name": "东湖街道", "phone": "027-86781234"}

COMMUNITIES = [
    # slug, name, address, phone, number of duty workers
    ("heping", "和平社区", "东湖街道和平路12号和平社区党群服务中心", "027-86781101", 6),
    ("xingfuli", "幸福里社区", "东湖街道幸福里3号楼一层", "027-86781102", 5),
    ("guangming", "光明社区", "东湖街道光明大道88号", "027-86781103", 8),
    ("cuiyuan", "翠苑社区", "东湖街道翠苑小区东门旁", "027-86781104", 4),
    ("xinhua", "新华社区", "东湖街道新华路205号", "027-86781105", 7),
]

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo.toml"

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


class Command(BaseCommand):
    help = "Create the demo street office, communities, catalogue, staff and residents."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (it adds demo logins with a known password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds demo logins with a known password, so it refuses to run "
                "with DEBUG off. Use --force if this really is a demo server."
            )
        with transaction.atomic():
            created = seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} rows created)."))
        self.stdout.write(f"Every demo login uses the password: {settings.DEMO_PASSWORD}")
        for user in User.objects.filter(username__in=demo_usernames()).order_by("username"):
            place = user.community or user.street_office
            self.stdout.write(
                f"  {user.username:<16} {user.get_role_display()} · {place} · {user.display_name}"
            )


def demo_usernames():
    names = ["office"]
    for slug, *_, workers in COMMUNITIES:
        names.append(f"{slug}-head")
        names.extend(f"{slug}-{n}" for n in range(1, workers + 1))
    return names


def load_demo():
    """The demo's catalogue and the names it gives people, from desks/demo.toml."""
    with DEMO_FILE.open("rb") as file:
        return tomllib.load(file)


def seed():
    """Create whatever part of the demo is missing; return how many rows were created."""
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
    created += _rota(timezone.now())
    created += _request_history(rng)
    created += _voting(rng)
    created += _ratings(rng)
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
OUTCOME_WEIGHTS = {
    Outcome.ANSWERED: 50,
    Outcome.DONE: 30,
    Outcome.ACCEPTED: 15,
    Outcome.REFERRED: 5,
}
CHANNEL_WEIGHTS = {Channel.WALK_IN: 80, Channel.PHONE: 15, Channel.HOME_VISIT: 5}
HISTORY_MONTHS = 3
DEMO_NAMESPACE = uuid.UUID("5e1f6b1e-2026-4c0d-9a5e-000000000001")


def _demo_key(community, slot, number):
    # A timestamp, not isoformat(): slots read back from the database are in UTC.
    return uuid.uuid5(DEMO_NAMESPACE, f"{community.slug}/{slot.starts_at.timestamp():.0f}/{number}")


def _request_history(rng):
    """A few months of logged requests in every past slot, so the desk and reports have data.

    Each request's form key is derived from its slot and number, so a second
    run finds them all and adds none.
    """
    today = timezone.localdate()
    first = (today.replace(day=1) - dt.timedelta(days=31 * HISTORY_MONTHS)).replace(day=1)
    items = list(ServiceItem.objects.in_extended_hours().order_by("pk"))
    weights = [rng.choice((1, 2, 3, 8)) for _ in items]  # some matters are far more common
    outcomes, outcome_weights = zip(*OUTCOME_WEIGHTS.items(), strict=True)
    channels, channel_weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    wanted = []
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        workers = list(community.staff.filter(role=Role.WORKER).order_by("pk"))
        residents = list(community.residents.order_by("pk"))
        for slot in make_slots(community, first, today - dt.timedelta(days=1)):
            minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
            for number in range(rng.randint(0, 6 if slot.kind == SlotKind.EVENING else 12)):
                anonymous = rng.random() < 0.3
                wanted.append(
                    ServiceRequest(
                        community=community,
                        service_item=rng.choices(items, weights)[0],
                        resident=None if anonymous else rng.choice(residents),
                        channel=rng.choices(channels, channel_weights)[0],
                        outcome=rng.choices(outcomes, outcome_weights)[0],
                        count=rng.choice((1, 1, 1, 1, 2, 3)),
                        logged_at=slot.starts_at + dt.timedelta(minutes=rng.randrange(minutes)),
                        logged_by=rng.choice(workers),
                        slot=slot,
                        idempotency_key=_demo_key(community, slot, number),
                    )
                )
    existing = set(
        ServiceRequest.objects.filter(
            idempotency_key__in=[request.idempotency_key for request in wanted]
        ).values_list("idempotency_key", flat=True)
    )
    new = [request for request in wanted if request.idempotency_key not in existing]
    ServiceRequest.objects.bulk_create(new)
    follow_ups = [
        FollowUp(
            request=request,
            community_id=request.community_id,
            owner=request.logged_by,
            due_on=timezone.localdate(request.logged_at) + dt.timedelta(days=3),
            created_at=request.logged_at,
            # Older ones were dealt with; the last week's are still open.
            closed_at=request.logged_at + dt.timedelta(days=2)
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else None,
            closed_by=request.logged_by
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else None,
            resolution="已电话告知居民办理结果"
            if request.logged_at.date() < today - dt.timedelta(days=7)
            else "",
        )
        for request in new
        if request.outcome == Outcome.ACCEPTED
    ]
    FollowUp.objects.bulk_create(follow_ups)
    return len(new) + len(follow_ups)


def _rota(now):
    """Past months' and this month's rota published, next month's as a draft, some leave,
    served duty up to the day before yesterday.

    Each month is generated once, when its RotaMonth is first made; its leave is
    entered just before, so the rota respects it and a later run adds nothing.
    """
    created = 0
    this_month = first_of_month(timezone.localdate(now))
    next_month = first_of_month(this_month + dt.timedelta(days=32))
    past_months = [this_month]
    for _ in range(HISTORY_MONTHS):
        past_months.insert(0, first_of_month(past_months[0] - dt.timedelta(days=1)))
    plan = [(month, True) for month in past_months] + [(next_month, False)]
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]):
        head = community.staff.get(role=Role.HEAD)
        for month, published in plan:
            if RotaMonth.objects.filter(community=community, month=month).exists():
                continue
            created += _leave(community, month)
            # Planned the day before the month begins, as a head would.
            planned_at = Month.containing(month).bounds()[0] - dt.timedelta(days=1)
            result = generate_month(community, month, planned_at)
            created += 1 + result.assigned
            if published:
                publish(result.rota_month, head, planned_at)
        created += _served(community, head, past_months[0], now)
    created += _pending_requests(now)
    return created


def _leave(community, month):
    """Two workers away for a few days early in the month: one on leave, one unavailable."""
    workers = list(community.staff.filter(role=Role.WORKER).order_by("pk")[:2])
    created = 0
    for worker, start, kind, reason in zip(
        workers,
        (3, 6),
        (Absence.Kind.LEAVE, Absence.Kind.UNAVAILABLE),
        ("年假", "参加区里业务培训"),
        strict=False,
    ):
        first_day = month + dt.timedelta(days=start)
        _, new = Absence.objects.get_or_create(
            worker=worker,
            first_day=first_day,
            kind=kind,
            defaults={"last_day": first_day + dt.timedelta(days=2), "reason": reason},
        )
        created += new
    return created


def _served(community, head, month, now):
    """The month's finished slots were served: checked in at the desk, one confirmed by the head.

    The last two days' are left for the head to confirm, as happens when a tablet is down.
    """
    created = 0
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    until = dt.datetime.combine(yesterday, dt.time.min, tzinfo=timezone.get_current_timezone())
    finished = Assignment.objects.filter(
        slot__community=community,
        starts_at__gte=Month.containing(month).bounds()[0],
        ends_at__lte=until,
    ).order_by("starts_at", "worker")
    for number, assignment in enumerate(finished):
        if assignment.is_served:
            continue
        if number == 0:
            confirm_served(assignment, head, now)
        else:
            check_in(assignment, assignment.starts_at + dt.timedelta(minutes=5))
            assignment.checked_out_at = assignment.ends_at
            assignment.save(update_fields=["checked_out_at"])
        created += 1
    return created


def _pending_requests(now):
    """A swap waiting for a colleague, and a comp leave waiting for the head, in 和平社区."""
    created = 0
    requester = User.objects.filter(username="heping-3").first()
    if requester and not SwapRequest.objects.filter(requester=requester).exists():
        mine = Assignment.objects.filter(worker=requester, starts_at__gt=now).first()
        colleagues = User.objects.filter(community=requester.community, role=Role.WORKER)
        if mine:
            colleague = (
                colleagues.exclude(pk=requester.pk)
                .exclude(assignments__slot__date=mine.slot.date)
                .order_by("pk")
                .first()
            )
            try:
                ask_swap(requester, mine.slot, colleague, now, note="家里有事，想和你换个班")
                created += 1
            except RotaError:
                pass
    for username in ("heping-1", "heping-2"):
        worker = User.objects.filter(username=username).first()
        asked = CompLeave.objects.filter(worker=worker).exists()
        if worker and not asked and balance(worker).available >= 2:
            request_leave(worker, timezone.localdate(now) + dt.timedelta(days=10), 2, now)
            created += 1
    return created


# Residents' voice: a closed round with its menu, an open round, and ratings.

WISHES = ["代缴水电费", "老年人智能手机教学", "理发", "法律咨询", "磨刀修伞"]
LEVEL_WEIGHTS = {
    Level.VERY_SATISFIED: 60,
    Level.SATISFIED: 25,
    Level.FAIRLY_SATISFIED: 10,
    Level.DISSATISFIED: 3,
    Level.VERY_DISSATISFIED: 2,
}
COMMENTS = {
    Level.VERY_SATISFIED: "社工很耐心，一次就办好了",
    Level.SATISFIED: "",
    Level.FAIRLY_SATISFIED: "材料清单可以再说清楚些",
    Level.DISSATISFIED: "排队时间较长，没有说明要带户口本",
    Level.VERY_DISSATISFIED: "来了两次还没办成",
}


def _voting(rng):
    """For every community: last month's round, closed, with its menu; this month's, open."""
    created = 0
    zone = timezone.get_current_timezone()
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    items = list(ServiceItem.objects.active().order_by("pk"))
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        rounds = []
        for title, first, closes in (
            (f"{last_month.year}年{last_month.month}月居民点单", last_month, this_month),
            (f"{this_month.year}年{this_month.month}月居民点单", this_month, None),
        ):
            opens_at = dt.datetime.combine(first, dt.time(9), tzinfo=zone)
            voting_round, new = VotingRound.objects.get_or_create(
                community=community,
                title=title,
                defaults={
                    "opens_at": opens_at,
                    "closes_at": dt.datetime.combine(closes, dt.time(9), tzinfo=zone)
                    if closes
                    else None,
                },
            )
            created += new
            rounds.append(voting_round)
        favourites = rng.sample(items, k=12)
        for voting_round in rounds:
            wanted = []
            for number in range(rng.randint(25, 45)):
                wish = rng.choice(WISHES) if rng.random() < 0.1 else ""
                key = f"{community.slug}/{voting_round.title}/{number}"
                wanted.append(
                    Vote(
                        round=voting_round,
                        service_item=None if wish else rng.choice(favourites),
                        wish=wish,
                        device_hash=hashlib.sha256(
                            uuid.uuid5(DEMO_NAMESPACE, key).bytes
                        ).hexdigest(),
                        created_at=voting_round.opens_at + dt.timedelta(hours=number),
                    )
                )
            existing = set(voting_round.votes.values_list("device_hash", flat=True))
            new_votes = [vote for vote in wanted if vote.device_hash not in existing]
            Vote.objects.bulk_create(new_votes)
            created += len(new_votes)
        closed = rounds[0]
        if not closed.menu.exists():
            created += len(feedback.use_top(closed))
    return created


def _ratings(rng):
    """Every third request of the last month is rated; a poor rating has its call-back.

    Older call-backs were dealt with; the last week's are still open.
    """
    today = timezone.localdate()
    since = timezone.now() - dt.timedelta(days=30)
    ratings, call_backs = [], []
    levels, level_weights = zip(*LEVEL_WEIGHTS.items(), strict=True)
    rated = set(Rating.objects.values_list("request_id", flat=True))
    for community in Community.objects.filter(slug__in=[c[0] for c in COMMUNITIES]).order_by("pk"):
        head = community.staff.filter(role=Role.HEAD).order_by("pk").first()
        requests = list(
            ServiceRequest.objects.alive()
            .filter(community=community, logged_at__gte=since)
            .order_by("logged_at", "idempotency_key")[::3]
        )
        for number, request in enumerate(requests):
            # 和平社区's latest rating is the demo's 不满意: its head has an open call-back to show.
            level = (
                Level.DISSATISFIED
                if community.slug == "heping" and number == len(requests) - 1
                else rng.choices(levels, level_weights)[0]
            )
            if request.pk in rated:
                continue
            rating = Rating(
                request=request,
                level=level,
                comment=COMMENTS[level],
                rated_at=request.logged_at + dt.timedelta(hours=1),
            )
            ratings.append(rating)
            if level <= Level.DISSATISFIED:
                done = timezone.localdate(rating.rated_at) < today - dt.timedelta(days=7)
                call_backs.append(
                    CallBack(
                        rating=rating,
                        owner=head,
                        due_on=feedback.working_days_after(
                            community, timezone.localdate(rating.rated_at)
                        ),
                        created_at=rating.rated_at,
                        closed_at=rating.rated_at + dt.timedelta(days=2) if done else None,
                        closed_by=head if done else None,
                        resolution="已电话回访，向居民说明并致歉" if done else "",
                    )
                )
    Rating.objects.bulk_create(ratings)
    for call_back in call_backs:
        call_back.rating_id = call_back.rating.pk
    CallBack.objects.bulk_create(call_backs)
    return len(ratings) + len(call_backs)
