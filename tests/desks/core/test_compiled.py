"""A queryset's SQL built once and run again with other values (desks.core.compiled): the
same rows, counts, dicts and tuples as the ORM gives, on SQLite and PostgreSQL, or a
refusal."""

import datetime as dt

import pytest
from django.db.models import Count, Min, Sum, Value

from desks.core.compiled import CompiledQuery
from desks.models import DutySlot, ServiceItem
from desks.reports.rollup import SLOT_LENGTH
from desks.rota.duty import make_slots
from tests.clock import at
from tests.factories import make_community, make_service_item

pytestmark = pytest.mark.django_db


def _slots_between(community_id, after, before):
    return (
        DutySlot.objects.live()
        .filter(community_id=community_id, starts_at__gt=after, starts_at__lt=before)
        .order_by("-starts_at")
    )


SLOTS_BETWEEN = CompiledQuery(
    _slots_between, community_id=int, after=dt.datetime, before=dt.datetime
)


@pytest.fixture
def slots(community, neighbour):
    make_slots(neighbour, dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    return make_slots(community, dt.date(2026, 11, 23), dt.date(2026, 11, 29))


@pytest.mark.parametrize(
    ("after", "before"),
    [
        (at(2026, 11, 24), at(2026, 11, 28, 12)),
        (at(2026, 11, 20), at(2026, 12, 1)),
        (at(2026, 12, 1), at(2026, 12, 2)),  # none
    ],
)
def test_it_gives_the_rows_and_count_the_orm_gives(community, slots, after, before):
    orm = list(_slots_between(community.pk, after, before))
    compiled = SLOTS_BETWEEN.all(community_id=community.pk, after=after, before=before)
    assert [(s.pk, s.starts_at, s.ends_at, s.kind, s.date) for s in compiled] == [
        (s.pk, s.starts_at, s.ends_at, s.kind, s.date) for s in orm
    ]
    assert all(isinstance(slot, DutySlot) and slot._state.db == "default" for slot in compiled)
    assert SLOTS_BETWEEN.count(community_id=community.pk, after=after, before=before) == len(orm)


def test_each_call_takes_its_own_values(community, neighbour, slots):
    week = {"after": at(2026, 11, 22), "before": at(2026, 11, 30)}
    mine = SLOTS_BETWEEN.all(community_id=community.pk, **week)
    theirs = SLOTS_BETWEEN.all(community_id=neighbour.pk, **week)
    assert mine and theirs
    assert {slot.community_id for slot in mine} == {community.pk}
    assert {slot.community_id for slot in theirs} == {neighbour.pk}


def test_a_cancelled_slot_is_left_out_as_by_the_orm(community, slots, clock):
    cancelled = slots[0]
    cancelled.cancelled_at = at(2026, 11, 20)
    cancelled.save(update_fields=["cancelled_at"])
    found = SLOTS_BETWEEN.all(
        community_id=community.pk, after=at(2026, 11, 20), before=at(2026, 12, 1)
    )
    assert cancelled.pk not in {slot.pk for slot in found}
    assert len(found) == len(slots) - 1


def test_it_runs_one_query_per_call(community, slots, django_assert_num_queries):
    SLOTS_BETWEEN.count(community_id=community.pk, after=at(2026, 11, 1), before=at(2026, 12, 1))
    with django_assert_num_queries(1):
        SLOTS_BETWEEN.all(community_id=community.pk, after=at(2026, 11, 1), before=at(2026, 12, 1))


def test_a_build_that_computes_with_a_value_is_refused():
    # The SQL would hold the placeholder plus a day, which no later call could replace.
    shifted = CompiledQuery(
        lambda moment: DutySlot.objects.filter(starts_at__gt=moment + dt.timedelta(days=1)),
        moment=dt.datetime,
    )
    with pytest.raises(ValueError, match="moment"):
        shifted.count(moment=at(2026, 11, 24))


def test_a_queryset_with_related_rows_is_refused():
    related = CompiledQuery(
        lambda pk: ServiceItem.objects.select_related("category").filter(pk=pk), pk=int
    )
    with pytest.raises(ValueError, match="plain single-model"):
        related.all(pk=1)


def test_a_kind_without_a_placeholder_is_refused():
    with pytest.raises(TypeError, match="str"):
        CompiledQuery(lambda name: ServiceItem.objects.filter(name=name), name=str).all(name="x")


def test_constants_of_the_query_stay_in_it(db):
    active = make_service_item(name="居民医保参保登记")
    retired = make_service_item(name="老年证办理", is_active=False)
    by_pk = CompiledQuery(lambda pk: ServiceItem.objects.active().filter(pk=pk), pk=int)
    assert [item.pk for item in by_pk.all(pk=active.pk)] == [active.pk]
    assert by_pk.all(pk=retired.pk) == []


# rows(): values() and values_list() querysets, with annotations, joins and lists of values.


def _slots_per_community(community_ids, days):
    return (
        DutySlot.objects.live()
        .filter(community_id__in=community_ids, date__in=days)
        .values("community_id")
        .annotate(slots=Count("pk"), length=Sum(SLOT_LENGTH), first=Min("starts_at"))
        .order_by("community_id")
    )


SLOTS_PER_COMMUNITY = CompiledQuery(
    _slots_per_community, community_ids=list[int], days=list[dt.date]
)
SLOTS_PER_COMMUNITY_LIST = CompiledQuery(
    lambda community_ids, days: _slots_per_community(community_ids, days).values_list(
        "community__name", "slots", "length", "first"
    ),
    community_ids=list[int],
    days=list[dt.date],
)


@pytest.mark.parametrize(
    "days",
    [
        [dt.date(2026, 11, 24)],
        [dt.date(2026, 11, 24), dt.date(2026, 11, 28), dt.date(2026, 11, 29)],
        [dt.date(2026, 12, 24)],  # none
    ],
)
def test_rows_are_the_dicts_and_tuples_the_orm_gives(community, neighbour, slots, days):
    for ids in ([community.pk], [community.pk, neighbour.pk], [neighbour.pk, community.pk]):
        orm = list(_slots_per_community(ids, days))
        assert SLOTS_PER_COMMUNITY.rows(community_ids=ids, days=days) == orm
        listed = SLOTS_PER_COMMUNITY_LIST.rows(community_ids=ids, days=days)
        assert listed == list(
            _slots_per_community(ids, days).values_list(
                "community__name", "slots", "length", "first"
            )
        )
    if days[0].month == 11:
        assert orm and isinstance(orm[0]["length"], dt.timedelta)  # converted as by the ORM


def test_lists_of_nearby_lengths_share_one_built_sql(community, neighbour, slots, db):
    third = make_community(community.street_office, name="第三社区")
    fourth = make_community(community.street_office, name="第四社区")
    byid = CompiledQuery(
        lambda ids: DutySlot.objects.filter(community_id__in=ids).order_by().values_list("pk"),
        ids=list[int],
    )
    ids = [community.pk, neighbour.pk, third.pk, fourth.pk]
    for length in (3, 4, 3, 4):
        assert sorted(byid.rows(ids=ids[:length])) == sorted(
            DutySlot.objects.filter(community_id__in=ids[:length]).values_list("pk")
        )
    assert len(byid._compiled_rows) == 1  # 3 is padded to 4: one SQL for both
    byid.rows(ids=ids[:2])
    assert len(byid._compiled_rows) == 2


def test_rows_of_an_empty_list_are_the_orms(community, slots, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert SLOTS_PER_COMMUNITY.rows(community_ids=[], days=[dt.date(2026, 11, 24)]) == []


def test_an_aggregate_grouped_by_a_constant_gives_its_one_row(community, slots):
    counted = CompiledQuery(
        lambda ids, since: (
            DutySlot.objects.filter(community_id__in=ids, starts_at__gte=since)
            .order_by()
            .values(whole=Value(1))
            .annotate(n=Count("pk"), length=Sum(SLOT_LENGTH))
            .values("n", "length")
        ),
        ids=list[int],
        since=dt.datetime,
    )
    week = counted.rows(ids=[community.pk], since=at(2026, 11, 1))
    assert week == [
        DutySlot.objects.filter(community=community).aggregate(
            n=Count("pk"), length=Sum(SLOT_LENGTH)
        )
    ]
    assert counted.rows(ids=[community.pk], since=at(2027, 1, 1)) == [{"n": 0, "length": None}]


def test_rows_refuse_a_model_queryset_and_all_refuses_lists():
    models = CompiledQuery(lambda ids: ServiceItem.objects.filter(pk__in=ids), ids=list[int])
    with pytest.raises(ValueError, match="values"):
        models.rows(ids=[1])
    with pytest.raises(ValueError, match="lists"):
        models.all(ids=[1])


def test_rows_refuse_a_build_that_computes_with_a_value(community):
    shifted = CompiledQuery(
        lambda ids, moment: DutySlot.objects.filter(
            community_id__in=ids, starts_at__gt=moment + dt.timedelta(days=1)
        ).values_list("pk"),
        ids=list[int],
        moment=dt.datetime,
    )
    with pytest.raises(ValueError, match="moment"):
        shifted.rows(ids=[community.pk], moment=at(2026, 11, 24))
