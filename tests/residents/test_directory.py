"""residents.directory: the one search and the one registration, for the desk and its list."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from residents import directory
from residents.models import AccessLog, Resident, Tag
from tests.factories import make_community, make_resident
from tests.residents.conftest import valid_id_number

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 19, 0))


def search(user, query, limit=8):
    return directory.search(user, query, ip_address="10.0.0.7", limit=limit)


def new_resident(community, **fields):
    return Resident(community=community, **{"name": "赵凤英", "phone": "13812345678", **fields})


def register(resident, user, **options):
    options = {"consent": True, "now": NOW, "ip_address": "10.0.0.7", **options}
    return directory.register(resident, registered_by=user, **options)


# search


def test_a_search_finds_the_user_s_residents_and_is_recorded(cast):
    result = search(cast.worker_a, "桂英")
    assert result.residents == [cast.resident_a] and not result.more
    record = AccessLog.objects.get()
    assert (record.action, record.user, record.resident_count, record.ip_address) == (
        "searched",
        cast.worker_a,
        1,
        "10.0.0.7",
    )


def test_a_search_that_finds_nobody_is_recorded_too(cast):
    assert search(cast.worker_a, "13900009999").residents == []
    record = AccessLog.objects.get()
    assert (record.action, record.resident_count) == ("searched", 0)


def test_an_empty_query_finds_nobody_and_records_nothing(cast):
    assert search(cast.staff_1, "   ").residents == []
    assert not AccessLog.objects.exists()


def test_a_query_longer_than_any_name_is_refused(cast):
    with pytest.raises(ValidationError):
        search(cast.worker_a, "张" * (directory.SEARCH_MAX_LENGTH + 1))
    assert not AccessLog.objects.exists()


def test_the_longest_name_can_still_be_searched(cast):
    name = "张" * directory.SEARCH_MAX_LENGTH
    resident = make_resident(cast.a, name=name)
    assert search(cast.worker_a, name).residents == [resident]


def test_a_short_run_of_digits_finds_nobody(cast):
    assert search(cast.worker_a, "111").residents == []


def test_a_search_never_finds_another_community_s_resident(cast):
    for query in ("李建国", "2222", "13900002222"):
        assert search(cast.worker_a, query).residents == []


def test_a_resident_marked_anonymised_is_never_found(cast):
    # Even a row whose details were not all cleared: the mark is what counts.
    number = valid_id_number(serial=3)
    cast.resident_a.set_id_number(number)
    cast.resident_a.save()
    Resident.objects.filter(pk=cast.resident_a.pk).update(anonymised_at=NOW)
    for query in ("张桂英", "1111", number):
        assert search(cast.head_a, query).residents == []


def test_a_search_shows_at_most_the_limit_and_says_there_are_more(cast):
    for n in range(3):
        make_resident(cast.a, name=f"王{n}")
    result = search(cast.worker_a, "王", limit=2)
    assert [r.name for r in result.residents] == ["王0", "王1"] and result.more
    assert AccessLog.objects.get().resident_count == 2


def test_a_search_shows_only_the_tags_the_user_may_see(cast):
    cast.resident_a.tags.set(Tag.objects.filter(name__in=["残疾人", "外来务工"]))
    [found] = search(cast.worker_a, "张桂英").residents
    assert [tag.name for tag in found.shown_tags] == ["外来务工"]


def test_a_logged_out_user_cannot_search(cast):
    with pytest.raises(PermissionDenied):
        search(AnonymousUser(), "张桂英")


# register


def test_registering_records_consent_activity_and_the_fields_given(cast):
    tag = Tag.objects.get(name="外来务工")
    resident = register(new_resident(cast.a, estate="和平里"), cast.worker_a, tags=[tag])
    resident.refresh_from_db()
    assert (resident.consent_recorded_by, resident.consent_at) == (cast.worker_a, NOW)
    assert resident.last_active_at == NOW and list(resident.tags.all()) == [tag]
    record = AccessLog.objects.get()
    assert (record.action, record.resident, record.user) == ("added", resident, cast.worker_a)
    assert record.changed_fields == "name,phone,estate,tags"


def test_registering_without_consent_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        register(new_resident(cast.a), cast.worker_a, consent=False)
    assert "consent" in refused.value.message_dict
    assert not Resident.objects.filter(name="赵凤英").exists()
    assert not AccessLog.objects.exists()


def test_a_phone_already_registered_in_the_community_is_refused_on_the_phone(cast):
    with pytest.raises(ValidationError) as refused:
        register(new_resident(cast.a, phone=cast.resident_a.phone), cast.worker_a)
    assert list(refused.value.message_dict) == ["phone"]
    assert Resident.objects.filter(community=cast.a).count() == 1


def test_a_phone_registered_by_another_desk_meanwhile_is_refused_not_a_500(cast, monkeypatch):
    """The form's check and the save are apart: a concurrent save can slip in between.

    The first check is made to miss the duplicate, as it would under a race; the
    database's constraint then refuses the row and the refusal is a form error.
    """
    real_find_duplicate = Resident.find_duplicate
    calls = []

    def misses_it_the_first_time(resident):
        calls.append(resident)
        return None if len(calls) == 1 else real_find_duplicate(resident)

    monkeypatch.setattr(Resident, "find_duplicate", misses_it_the_first_time)
    with pytest.raises(ValidationError) as refused:
        register(new_resident(cast.a, phone=cast.resident_a.phone), cast.worker_a)
    assert list(refused.value.message_dict) == ["phone"]
    assert Resident.objects.filter(community=cast.a).count() == 1
    assert not AccessLog.objects.exists()


def test_an_id_number_already_registered_is_refused_on_the_id_number(cast):
    number = valid_id_number(serial=5)
    cast.resident_a.set_id_number(number)
    cast.resident_a.save()
    resident = new_resident(cast.a)
    resident.set_id_number(number)
    with pytest.raises(ValidationError) as refused:
        register(resident, cast.worker_a)
    assert list(refused.value.message_dict) == ["id_number"]


@pytest.mark.parametrize("phone", ["83456789", "1381234567", "12345678901", "phone"])
def test_a_resident_s_phone_must_be_a_mobile_or_a_landline_with_its_area_code(cast, phone):
    with pytest.raises(ValidationError) as refused:
        register(new_resident(cast.a, phone=phone), cast.worker_a)
    assert list(refused.value.message_dict) == ["phone"]


def test_a_centre_s_phone_may_be_a_bare_local_number(cast):
    """Not the residents' rule: centre_phone_validator, for offices, centres and staff."""
    community = make_community(cast.office_1, phone="83456789")
    community.full_clean()


def test_register_only_adds(cast):
    with pytest.raises(ValueError):
        register(cast.resident_a, cast.worker_a)
