import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from desks.models import Community, FollowUp, Role, User
from residents.models import Resident
from tests.factories import (
    make_community,
    make_request,
    make_resident,
    make_service_item,
    make_street_office,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_a_worker_must_belong_to_a_community():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="lost", role=Role.WORKER)


def test_a_worker_cannot_also_belong_to_a_street_office():
    community = make_community()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            username="both",
            role=Role.WORKER,
            community=community,
            street_office=community.street_office,
        )


def test_street_office_staff_belong_to_a_street_office_only():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="office", role=Role.OFFICE, community=make_community())
    user = make_user(Role.OFFICE)
    assert user.street_office is not None and user.community is None


def test_the_constraint_message_reaches_forms():
    user = User(username="x", role=Role.HEAD)
    with translation.override("en"), pytest.raises(ValidationError, match="belong to a community"):
        user.validate_constraints()


def test_createsuperuser_makes_an_administrator_without_affiliation():
    admin = User.objects.create_superuser("root", password="x")
    assert admin.role == Role.ADMIN


def test_workers_per_slot_must_be_at_least_one():
    community = make_community()
    community.workers_per_slot = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        community.save(update_fields=["workers_per_slot"])


def test_community_slugs_are_unique():
    make_community(slug="heping")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_community(slug="heping")


def test_two_communities_of_one_office_cannot_share_a_name():
    office = make_street_office()
    make_community(office, name="和平社区")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_community(office, name="和平社区")
    make_community(make_street_office(), name="和平社区")  # another office may


def test_a_community_with_staff_cannot_be_deleted():
    worker = make_user()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        worker.community.delete()
    assert Community.objects.filter(pk=worker.community_id).exists()


def test_service_guide_lists_skip_blank_lines():
    item = make_service_item(materials="身份证原件\n\n  户口本原件  \n", steps="")
    assert item.material_list == ["身份证原件", "户口本原件"]
    assert item.step_list == []


def test_display_name_puts_the_family_name_first():
    assert make_user(last_name="王", first_name="丽").display_name == "王丽"


def test_communities_visible_to_each_role():
    office = make_street_office()
    mine, sibling = make_community(office), make_community(office)
    other = make_community()
    assert set(Community.objects.visible_to(make_user(Role.OFFICE, street_office=office))) == {
        mine,
        sibling,
    }
    assert list(Community.objects.visible_to(make_user(Role.HEAD, community=mine))) == [mine]
    assert other not in Community.objects.visible_to(make_user(Role.WORKER, community=mine))


def test_residents_visible_only_within_community_or_office():
    office = make_street_office()
    mine, sibling = make_community(office), make_community(office)
    ours, theirs = make_resident(mine), make_resident(sibling)
    outsider = make_resident(make_community())
    worker = make_user(community=mine)
    office_user = make_user(Role.OFFICE, street_office=office)
    assert list(Resident.objects.visible_to(worker)) == [ours]
    assert set(Resident.objects.visible_to(office_user)) == {ours, theirs}
    assert outsider not in Resident.objects.visible_to(office_user)


def test_a_resident_phone_is_masked_for_lists():
    assert make_resident(phone="13812341234").masked_phone == "138****1234"
    assert make_resident(phone="027-86781234").masked_phone == "027****1234"


@pytest.mark.parametrize("phone", ["12345", "2381234123", "138123412345", "abc"])
def test_a_resident_phone_must_be_a_mainland_number(phone):
    resident = make_resident()
    resident.phone = phone
    with pytest.raises(ValidationError):
        resident.full_clean()


def test_a_follow_up_always_carries_its_requests_community():
    here, there = make_community(name="和平社区"), make_community(name="幸福里社区")
    item, now = make_service_item(), timezone.now()
    worker = make_user(community=here)
    mine = make_request(here, item, worker, now)
    theirs = make_request(there, item, make_user(community=there), now)
    follow_up = FollowUp.objects.create(
        request=mine, owner=worker, due_on=now.date() + dt.timedelta(days=3), created_at=now
    )
    assert follow_up.community == here
    follow_up.request = theirs  # as an admin moving it would
    follow_up.save(update_fields=["request"])
    follow_up.refresh_from_db()
    assert follow_up.community == there
    follow_up.close(worker, now, "已办结")  # a partial save leaves it alone
    assert FollowUp.objects.get().community == there


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_page_of_communities_links_each_where_its_own_address_says(language):
    office = make_street_office()
    communities = [make_community(office, slug=slug) for slug in ("heping", "a-1", "b_2", "c")]
    with translation.override(language):
        url = Community.absolute_urls()
        assert [url(community) for community in communities] == [
            community.get_absolute_url() for community in communities
        ]
