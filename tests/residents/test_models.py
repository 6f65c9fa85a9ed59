import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from desks.models import Role
from residents.models import AccessLog, Resident, Tag
from tests.factories import make_resident, make_user
from tests.residents.conftest import valid_id_number

pytestmark = pytest.mark.django_db


def test_community_staff_see_their_own_community_only(cast):
    assert list(Resident.objects.visible_to(cast.worker_a)) == [cast.resident_a]
    assert list(Resident.objects.visible_to(cast.head_a)) == [cast.resident_a]


def test_street_office_staff_see_their_office_only(cast):
    visible = set(Resident.objects.visible_to(cast.staff_1))
    assert visible == {cast.resident_a, cast.resident_b}
    assert list(Resident.objects.visible_to(cast.staff_2)) == [cast.resident_c]


def test_nobody_else_sees_anyone(cast):
    assert not Resident.objects.visible_to(AnonymousUser()).exists()
    admin_without_superuser = make_user(Role.ADMIN)
    assert not Resident.objects.visible_to(admin_without_superuser).exists()


def test_sensitive_tags_are_for_heads_and_the_street_office(cast):
    sensitive = set(Tag.objects.filter(sensitive=True))
    assert {tag.name for tag in sensitive} >= {"独居老人", "残疾人", "低保户"}
    assert not sensitive & set(Tag.objects.visible_to(cast.worker_a))
    assert sensitive <= set(Tag.objects.visible_to(cast.head_a))
    assert sensitive <= set(Tag.objects.visible_to(cast.staff_1))


def test_a_search_finds_by_name_or_phone_tail_and_only_the_id_search_by_id_number(cast):
    number = valid_id_number()
    cast.resident_a.set_id_number(number)
    cast.resident_a.save()
    residents = Resident.objects.all()
    assert list(residents.matching("桂英")) == [cast.resident_a]
    assert list(residents.matching("2222")) == [cast.resident_b]
    assert not residents.matching(number.lower()).exists()
    assert list(residents.with_id_number(number.lower())) == [cast.resident_a]
    assert not residents.matching("22").exists()


def test_the_id_number_itself_is_not_kept():
    resident = make_resident()
    resident.set_id_number("11010519491231002X")
    assert resident.id_number_last4 == "002X"
    assert resident.masked_id_number == "**************002X"
    assert "11010519491231002X" not in resident.id_number_hash


def test_the_database_refuses_a_second_resident_with_the_same_phone(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_resident(cast.a, phone=cast.resident_a.phone)
    make_resident(cast.b, phone=cast.resident_a.phone)  # another community: allowed


def test_the_database_refuses_a_second_resident_with_the_same_id_number(cast):
    for resident in (cast.resident_a, make_resident(cast.a)):
        resident.set_id_number(valid_id_number())
    cast.resident_a.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate = make_resident(cast.a)
        duplicate.set_id_number(valid_id_number())
        duplicate.save()


def test_residents_without_phone_or_id_are_not_duplicates(cast):
    make_resident(cast.a, phone="")
    make_resident(cast.a, phone="")
    assert make_resident(cast.a, phone="").find_duplicate() is None


def test_anonymising_clears_everything_personal_and_keeps_the_row(cast):
    resident = cast.resident_a
    resident.set_id_number(valid_id_number())
    resident.birth_year, resident.notes, resident.estate = 1950, "腿脚不便", "和平里"
    resident.save()
    resident.tags.set(Tag.objects.all()[:2])
    now = timezone.now()
    resident.anonymise(now)
    resident.refresh_from_db()
    assert resident.pk and resident.community == cast.a
    assert (resident.name, resident.phone, resident.address, resident.notes) == ("", "", "", "")
    assert resident.id_number_hash == resident.id_number_last4 == ""
    assert resident.birth_year is None and not resident.tags.exists()
    assert resident.anonymised_at == now


def test_inactive_residents_are_those_not_seen_since_the_moment(cast):
    moment = timezone.now() - dt.timedelta(days=1)
    Resident.objects.filter(pk=cast.resident_a.pk).update(last_active_at=moment - dt.timedelta(1))
    assert list(Resident.objects.inactive_since(moment)) == [cast.resident_a]


def test_an_access_record_cannot_be_changed_or_deleted(cast):
    record = AccessLog.record(
        AccessLog.Action.VIEWED, user=cast.worker_a, ip_address="10.0.0.1", resident=cast.resident_a
    )
    record.action = AccessLog.Action.CHANGED
    with pytest.raises(PermissionDenied):
        record.save()
    with pytest.raises(PermissionDenied):
        record.delete()
    with pytest.raises(PermissionDenied):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AccessLog.objects.update(ip_address=None)
    assert AccessLog.objects.get().action == AccessLog.Action.VIEWED


def test_access_records_are_reviewed_by_the_residents_street_office(cast):
    mine = AccessLog.record(
        AccessLog.Action.VIEWED, user=cast.worker_a, ip_address=None, resident=cast.resident_a
    )
    AccessLog.record(
        AccessLog.Action.VIEWED, user=cast.staff_2, ip_address=None, resident=cast.resident_c
    )
    assert list(AccessLog.objects.visible_to(cast.staff_1)) == [mine]
