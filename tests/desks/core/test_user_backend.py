"""The signed-in user, read by SQL built once (desks.core.access.UserBackend): the same
user Django's ModelBackend would give, and nobody when it would give nobody."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
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
