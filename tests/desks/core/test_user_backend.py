"""The signed-in user, read by SQL built once (desks.core.access.UserBackend): the same
user Django's ModelBackend would give, and nobody when it would give nobody; the same
permissions."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desks.core.access import UserBackend

pytestmark = pytest.mark.django_db


def test_a_signed_in_worker_is_read_in_one_query(client, worker):
    client.force_login(worker)
    assert client.session[BACKEND_SESSION_KEY] == "desks.core.access.UserBackend"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("desks:me"))
    assert response.status_code == 200
    assert response.wsgi_request.user == worker
    by_id = f'FROM "desks_user" WHERE "desks_user"."id" = {worker.pk}'
    assert [q["sql"].endswith(by_id) for q in queries.captured_queries].count(True) == 1


def test_the_user_read_is_the_orms_user(worker):
    user = UserBackend().get_user(worker.pk)
    assert user == worker
    assert (user.username, user.role, user.community_id, user.password) == (
        worker.username,
        worker.role,
        worker.community_id,
        worker.password,
    )


@pytest.mark.parametrize("user_id", ["", "abc", None, "-5", "999999"])
def test_a_session_naming_no_user_signs_nobody_in(user_id):
    assert UserBackend().get_user(user_id) is None


def test_a_worker_deactivated_while_signed_in_is_signed_out(client, worker):
    client.force_login(worker)
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_session_of_another_worker_id_is_not_this_worker(client, worker, head):
    client.force_login(worker)
    session = client.session
    session[SESSION_KEY] = str(head.pk)  # a tampered session: the hash no longer matches
    session.save()
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302


def _django_permissions(user, from_name):
    """What Django's own ModelBackend finds, on a fresh copy of the user (nothing kept)."""
    fresh = type(user).objects.get(pk=user.pk)
    return getattr(ModelBackend(), f"get_{from_name}_permissions")(fresh)


def test_the_permissions_are_the_orms(worker, head):
    from django.contrib.auth.models import Group, Permission

    extra = Group.objects.create(name="报表")
    extra.permissions.add(Permission.objects.get(codename="view_reports"))
    worker.groups.add(extra)
    worker.user_permissions.add(Permission.objects.get(codename="export_reports"))
    for user in (worker, head):
        fresh = type(user).objects.get(pk=user.pk)
        for from_name in ("user", "group"):
            mine = getattr(UserBackend(), f"get_{from_name}_permissions")(fresh)
            assert mine == _django_permissions(user, from_name)
        assert UserBackend().get_all_permissions(fresh) == ModelBackend().get_all_permissions(
            type(user).objects.get(pk=user.pk)
        )
    worker = type(worker).objects.get(pk=worker.pk)
    assert UserBackend().has_perm(worker, "desks.view_reports")
    assert UserBackend().has_perm(worker, "desks.export_reports")
    assert "desks.export_reports" in UserBackend().get_user_permissions(worker)


def test_the_permissions_are_read_once_per_request_user(worker, django_assert_num_queries):
    fresh = type(worker).objects.get(pk=worker.pk)
    UserBackend().get_all_permissions(type(worker).objects.get(pk=worker.pk))  # built
    with django_assert_num_queries(2):  # the user's own, and their groups'
        UserBackend().has_perm(fresh, "desks.view_reports")
        UserBackend().has_perm(fresh, "desks.export_reports")


def test_an_inactive_user_has_no_permissions_and_a_superuser_all(worker, db):
    from desks.models import User

    worker.is_active = False
    assert UserBackend().get_all_permissions(worker) == set()
    root = User.objects.create_superuser("root", "root@example.com", "x" * 20)
    assert UserBackend().get_all_permissions(root) == ModelBackend().get_all_permissions(
        User.objects.get(pk=root.pk)
    )
