import datetime as dt
import io
import itertools
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from desks.models import (
    Absence,
    Assignment,
    Community,
    DutySlot,
    Role,
    RotaMonth,
    ServiceCategory,
    SlotKind,
)
from desks.rota.duty import RotaError, assign, make_slots, unassign
from desks.rota.planning import generate_month, publish
from tests.clock import TUESDAY_MORNING as NOW
from tests.clock import at
from tests.factories import make_community, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

JANUARY = dt.date(2027, 1, 1)


@pytest.fixture
def demo(settings, clock):
    settings.DEBUG = True
    clock.stop_at(NOW)
    call_command("seed_demo", stdout=io.StringIO())


def rota_of(month, communities=None):
    """(community, start, worker) for every assignment of the month, in a stable order."""
    assignments = Assignment.objects.filter(
        slot__date__year=month.year, slot__date__month=month.month
    )
    if communities is not None:
        assignments = assignments.filter(slot__community__in=communities)
    return sorted(assignments.values_list("slot__community__slug", "starts_at", "worker__username"))


def generate_all(month, now=NOW):
    return {
        community.slug: generate_month(community, month, now)
        for community in Community.objects.order_by("slug")
    }


@pytest.fixture
def january(demo):
    """January 2027 of the demo, with a week of leave for one worker of each community."""
    away = {}
    for community in Community.objects.all():
        worker = community.staff.filter(role=Role.WORKER).order_by("-pk").first()
        Absence.objects.create(
            worker=worker, first_day=dt.date(2027, 1, 11), last_day=dt.date(2027, 1, 15)
        )
        away[worker.pk] = (dt.date(2027, 1, 11), dt.date(2027, 1, 15))
    results = generate_all(JANUARY)
    return results, away


def test_every_slot_of_a_generated_month_is_filled_with_distinct_workers(january):
    results, _away = january
    assert all(not result.shortfalls for result in results.values())
    slots = DutySlot.objects.filter(date__year=2027, date__month=1).prefetch_related("assignments")
    assert slots.count() > 100
    for slot in slots:
        workers = [a.worker_id for a in slot.assignments.all()]
        assert len(workers) == slot.workers_needed == len(set(workers))


def test_nobody_is_on_two_slots_the_same_day_or_on_leave(january):
    _results, away = january
    days = defaultdict(list)
    for worker_id, day in Assignment.objects.filter(slot__date__year=2027).values_list(
        "worker", "slot__date"
    ):
        days[worker_id].append(day)
    for worker_id, dates in days.items():
        assert len(dates) == len(set(dates)), "two slots on one day"
        if worker_id in away:
            first, last = away[worker_id]
            assert not [day for day in dates if first <= day <= last]


def test_no_worker_is_on_overlapping_slots(january):
    spans = defaultdict(list)
    for worker, start, end in Assignment.objects.values_list("worker", "starts_at", "ends_at"):
        spans[worker].append((start, end))
    for worker_spans in spans.values():
        worker_spans.sort()
        for (_, end), (next_start, _) in itertools.pairwise(worker_spans):
            assert end <= next_start


def test_hours_are_shared_within_one_slot_length_weekend_and_evening_apart(january):
    for community in Community.objects.all():
        workers = community.staff.filter(role=Role.WORKER)
        for kind in SlotKind.values:
            slots = DutySlot.objects.filter(
                date__year=2027, date__month=1, community=community, kind=kind
            )
            if not slots:
                continue
            longest = max(slot.hours for slot in slots)
            hours = dict.fromkeys(workers.values_list("pk", flat=True), 0.0)
            for assignment in Assignment.objects.filter(slot__in=slots).select_related("slot"):
                hours[assignment.worker_id] += assignment.slot.hours
            spread = max(hours.values()) - min(hours.values())
            assert spread <= longest, (community.slug, kind, hours)


def test_the_same_inputs_give_the_same_rota(january):
    first = rota_of(JANUARY)
    generate_all(JANUARY)
    assert rota_of(JANUARY) == first


def test_hours_served_this_year_count_toward_fairness():
    community = make_community()
    veteran, *others = [make_user(community=community) for _ in range(3)]
    served = make_slots(community, dt.date(2026, 11, 14), dt.date(2026, 11, 14))[0]
    assignment = assign(served, veteran)
    assignment.checked_in_at = served.starts_at
    assignment.save(update_fields=["checked_in_at"])

    generate_month(community, dt.date(2026, 12, 1), NOW)

    weekend = defaultdict(float)
    for a in Assignment.objects.filter(slot__date__month=12, slot__kind=SlotKind.WEEKEND):
        weekend[a.worker_id] += 8
    # Counting the 8 hours already served, everyone ends level within one slot.
    totals = [weekend[veteran.pk] + 8] + [weekend[w.pk] for w in others]
    assert max(totals) - min(totals) <= 8
    assert weekend[veteran.pk] < max(weekend[w.pk] for w in others)


def test_a_pair_covers_as_many_service_categories_as_it_can():
    """Balanced hours come first, so the rule is asserted, not one slot's choice: with two
    workers of each category, every slot gets one of each."""
    community = make_community()
    social, health = (
        ServiceCategory.objects.create(name="社保"),
        ServiceCategory.objects.create(name="卫健"),
    )
    workers = [make_user(community=community) for _ in range(4)]
    for worker, category in zip(workers, (social, social, health, health), strict=True):
        worker.trained_categories.set([category])

    generate_month(community, dt.date(2026, 12, 1), NOW, seconds=1)

    for slot in DutySlot.objects.filter(community=community).prefetch_related("assignments"):
        on_it = {a.worker_id for a in slot.assignments.all()}
        assert len(on_it & {workers[0].pk, workers[1].pk}) == 1, slot
        assert len(on_it & {workers[2].pk, workers[3].pk}) == 1, slot


def test_heads_are_not_planned():
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    make_user(community=community), make_user(community=community)
    generate_month(community, dt.date(2026, 12, 1), NOW)
    assert not Assignment.objects.filter(worker=head).exists()


def test_a_slot_that_cannot_be_filled_is_reported_with_the_reason():
    community = make_community()
    worker = make_user(community=community)
    Absence.objects.create(
        worker=worker,
        first_day=dt.date(2026, 12, 1),
        last_day=dt.date(2026, 12, 1),
        kind=Absence.Kind.UNAVAILABLE,
    )
    result = generate_month(community, dt.date(2026, 12, 1), NOW)
    assert len(result.shortfalls) == len(result.slots)
    assert "only 0 of 2 workers" in result.reasons[0]
    assert "1 are on leave" in result.reasons[0]
    assert "only 1 of 2 workers" in result.reasons[1]
    month = RotaMonth.objects.get(community=community)
    assert month.shortfalls == result.shortfalls


def test_regenerating_a_draft_replaces_it_but_keeps_what_was_served():
    community = make_community()
    workers = [make_user(community=community) for _ in range(4)]
    generate_month(community, dt.date(2026, 11, 1), at(2026, 10, 31, 12))
    before = rota_of(dt.date(2026, 11, 1))
    past = Assignment.objects.filter(ends_at__lte=NOW).first()
    past.checked_in_at = past.starts_at
    past.save(update_fields=["checked_in_at"])
    future = Assignment.objects.filter(starts_at__gt=NOW).first()
    unassign(future.slot, future.worker)

    generate_month(community, dt.date(2026, 11, 1), NOW)

    assert Assignment.objects.filter(pk=past.pk).exists()
    slots = DutySlot.objects.filter(community=community, starts_at__gt=NOW)
    assert all(slot.assignments.count() == 2 for slot in slots)
    assert len(rota_of(dt.date(2026, 11, 1))) == len(before)
    assert set(Assignment.objects.values_list("worker", flat=True)) <= {w.pk for w in workers}


def test_a_published_month_is_not_regenerated():
    community = make_community()
    head = make_user(Role.HEAD, community=community)
    make_user(community=community), make_user(community=community)
    result = generate_month(community, dt.date(2026, 12, 1), NOW)
    publish(result.rota_month, head, NOW)
    before = rota_of(dt.date(2026, 12, 1))
    with pytest.raises(RotaError, match="published"):
        generate_month(community, dt.date(2026, 12, 1), NOW)
    assert rota_of(dt.date(2026, 12, 1)) == before


def test_only_the_communitys_head_publishes():
    community = make_community()
    make_user(community=community)
    result = generate_month(community, dt.date(2026, 12, 1), NOW)
    for someone in (
        make_user(community=community),
        make_user(Role.HEAD, community=make_community()),
        make_user(Role.OFFICE, street_office=community.street_office),
    ):
        with pytest.raises(RotaError):
            publish(result.rota_month, someone, NOW)
    result.rota_month.refresh_from_db()
    assert not result.rota_month.is_published


def test_assignments_keep_the_local_opening_hours():
    community = make_community()
    make_user(community=community), make_user(community=community)
    generate_month(community, dt.date(2026, 12, 1), NOW)
    first = Assignment.objects.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).time() == dt.time(18)
