"""Staff sign in and out: the login page, its refusals, and logout by POST."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_worker_logs_in_and_reaches_the_desk(client, worker):
    response = client.post(
        reverse("login"), {"username": "worker", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("desks:home")
    assert worker.community.name in response.text


def test_a_wrong_password_is_refused_with_a_message(client, worker):
    response = client.post(reverse("login"), {"username": "worker", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "errorlist" in response.text


def test_logout_needs_a_post(client, worker):
    client.force_login(worker)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
