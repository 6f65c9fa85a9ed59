"""Every page that shows residents' records leaves one access record: a view for one
resident, a list read (with how many) for a list; never a record per row."""

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AccessLog
from residents.views import PAGE_SIZE
from tests.factories import make_resident
from tests.residents.conftest import make_superuser

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.7"


def edit_url(resident):
    return reverse("residents:edit", args=[resident.pk])


def admin_change_url(resident):
    return reverse("admin:residents_resident_change", args=[resident.pk])


CHANGELIST = reverse("admin:residents_resident_changelist")


# The resident edit form (/desk/residents/<pk>/edit/)


def test_opening_the_edit_form_records_one_view_of_that_resident(client, cast):
    client.force_login(cast.worker_a)
    response = client.get(edit_url(cast.resident_a), REMOTE_ADDR=CLIENT)
    assert response.status_code == 200
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED
    assert (record.user, record.resident, record.community) == (
        cast.worker_a,
        cast.resident_a,
        cast.a,
    )
    assert record.ip_address == CLIENT and record.resident_count == 1


def test_another_community_s_worker_cannot_open_the_edit_form_and_nothing_is_recorded(client, cast):
    client.force_login(cast.worker_b)
    assert client.get(edit_url(cast.resident_a)).status_code == 404
    assert not AccessLog.objects.exists()


def test_another_street_office_cannot_open_the_edit_form_and_nothing_is_recorded(client, cast):
    client.force_login(cast.staff_2)
    assert client.get(edit_url(cast.resident_a)).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_edit_form_of_an_anonymised_resident_is_refused_unrecorded(client, cast):
    cast.resident_a.anonymise(timezone.now())
    client.force_login(cast.head_a)
    assert client.get(edit_url(cast.resident_a)).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_edit_form_is_not_shown_to_a_visitor(client, cast):
    response = client.get(edit_url(cast.resident_a))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not AccessLog.objects.exists()


# The admin's resident list, its popup and change form


def test_the_admin_list_records_one_list_read_with_the_number_shown(client, cast):
    client.force_login(cast.staff_1)
    response = client.get(CHANGELIST, REMOTE_ADDR=CLIENT)
    assert response.status_code == 200
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.SEARCHED and record.search_key == ""
    assert record.user == cast.staff_1 and record.ip_address == CLIENT
    assert record.resident is None
    assert record.resident_count == 2  # resident_a and resident_b; not the other office's
    assert record.community is None  # two communities shown: the user's, none for the office


def test_a_list_filtered_to_one_community_is_recorded_for_that_community(client, cast):
    client.force_login(cast.staff_1)
    client.get(CHANGELIST, {"community__id__exact": cast.b.pk}, REMOTE_ADDR=CLIENT)
    record = AccessLog.objects.get()
    assert (record.resident_count, record.community) == (1, cast.b)


def test_a_head_s_list_is_recorded_for_their_community(client, cast):
    client.force_login(cast.head_a)
    assert client.get(CHANGELIST).status_code == 200
    record = AccessLog.objects.get()
    assert (record.user, record.community, record.resident_count) == (cast.head_a, cast.a, 1)


def test_thirty_residents_on_a_page_make_one_record_not_thirty(client, cast):
    for n in range(30):
        make_resident(cast.a, name=f"居民{n:02d}")
    client.force_login(cast.head_a)
    body = client.get(CHANGELIST).text
    assert "居民29" in body
    record = AccessLog.objects.get()
    assert record.resident_count == 31 and record.community == cast.a


def test_a_second_page_records_only_the_residents_it_shows(client, cast):
    for n in range(104):
        make_resident(cast.a, name=f"居民{n:03d}")
    client.force_login(cast.head_a)
    client.get(CHANGELIST, {"p": 2})
    assert AccessLog.objects.get().resident_count == 5  # 105 residents, 100 a page


def test_an_empty_list_records_nothing(client, cast):
    client.force_login(cast.staff_1)
    response = client.get(CHANGELIST, {"community__id__exact": cast.c.pk})
    # Another office's community as a filter shows nobody.
    assert response.status_code == 200 and "王秀兰" not in response.text
    assert not AccessLog.objects.exists()


def test_the_raw_id_popup_records_one_list_read(client, cast):
    client.force_login(cast.staff_1)
    response = client.get(CHANGELIST, {"_popup": "1", "_to_field": "id"}, REMOTE_ADDR=CLIENT)
    assert response.status_code == 200 and "张桂英" in response.text
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.SEARCHED and record.resident_count == 2
    assert record.ip_address == CLIENT


@pytest.mark.parametrize("count", [5, 30])
def test_the_admin_list_costs_the_same_queries_for_5_or_30_residents(
    client, cast, count, django_assert_num_queries
):
    for n in range(count - 1):
        make_resident(cast.a, name=f"居民{n:02d}")
    client.force_login(cast.head_a)
    client.get(CHANGELIST)  # warm the session and the content types
    # One query for the page's rows and one insert for its record, whatever their number.
    with django_assert_num_queries(9):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert AccessLog.objects.filter(resident_count=count).count() == 2


def test_the_admin_change_form_records_one_view_with_the_client_address(client, cast):
    client.force_login(cast.head_a)
    response = client.get(admin_change_url(cast.resident_a), REMOTE_ADDR=CLIENT)
    assert response.status_code == 200
    record = AccessLog.objects.get()
    assert record.action == AccessLog.Action.VIEWED
    assert (record.user, record.resident, record.community, record.ip_address) == (
        cast.head_a,
        cast.resident_a,
        cast.a,
        CLIENT,
    )


def test_another_community_s_head_cannot_open_the_admin_change_form_unrecorded(client, cast):
    from desks.models import Role
    from tests.factories import make_user

    head_b = make_user(Role.HEAD, community=cast.b)
    client.force_login(head_b)
    response = client.get(admin_change_url(cast.resident_a))
    assert response.status_code == 302  # the admin's answer to a missing object
    assert "张桂英" not in client.get(CHANGELIST).text
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEWED).exists()


def test_the_admin_autocomplete_never_answers_with_residents(client, cast):
    client.force_login(cast.staff_1)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "desks",
            "model_name": "servicerequest",
            "field_name": "resident",
            "term": "张",
        },
    )
    assert response.status_code == 404  # ResidentAdmin has no search fields
    assert "张桂英" not in response.text
    assert not AccessLog.objects.exists()


def test_the_admin_history_of_a_resident_records_one_view(client, cast):
    client.force_login(cast.head_a)
    url = reverse("admin:residents_resident_history", args=[cast.resident_a.pk])
    response = client.get(url, REMOTE_ADDR=CLIENT)
    assert response.status_code == 200 and "张桂英" in response.text
    record = AccessLog.objects.get()
    assert (record.action, record.resident, record.ip_address) == (
        AccessLog.Action.VIEWED,
        cast.resident_a,
        CLIENT,
    )


def test_another_office_s_resident_history_is_refused_unrecorded(client, cast):
    client.force_login(cast.staff_2)
    url = reverse("admin:residents_resident_history", args=[cast.resident_a.pk])
    assert client.get(url).status_code == 302  # the admin's answer to a missing object
    assert not AccessLog.objects.exists()


def test_a_superuser_s_delete_confirmation_records_one_view(client, cast):
    client.force_login(make_superuser())
    url = reverse("admin:residents_resident_delete", args=[cast.resident_a.pk])
    response = client.get(url)
    assert response.status_code == 200 and "张桂英" in response.text
    assert AccessLog.objects.get().action == AccessLog.Action.VIEWED


def test_the_delete_confirmation_is_refused_to_the_street_office_unrecorded(client, cast):
    client.force_login(cast.staff_1)
    url = reverse("admin:residents_resident_delete", args=[cast.resident_a.pk])
    assert client.get(url).status_code == 403
    assert not AccessLog.objects.exists()


# The desk's residents list (/desk/residents/)


def test_the_residents_list_records_one_read_of_the_page_it_shows(client, cast):
    for n in range(PAGE_SIZE + 9):
        make_resident(cast.a, name=f"居民{n:02d}")
    client.force_login(cast.worker_a)
    client.get(reverse("residents:search"), REMOTE_ADDR=CLIENT)
    client.get(reverse("residents:search"), {"page": 2}, REMOTE_ADDR=CLIENT)
    first, second = AccessLog.objects.order_by("pk")
    assert (first.resident_count, second.resident_count) == (PAGE_SIZE, 10)
    assert {first.community, second.community} == {cast.a}
    assert {first.action, second.action} == {AccessLog.Action.SEARCHED}
