"""Call-backs (回访) after a poor rating, in the head's queue at /desk/follow-ups/."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import CallBack, Role
from desks.voice import feedback
from tests.clock import at
from tests.factories import make_request, make_service_item, make_user

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 10)


@pytest.fixture(autouse=True)
def _morning(clock):
    clock.stop_at(NOW)


@pytest.fixture
def call_back(community, head, worker):
    logged = make_request(
        community, make_service_item(name="生育保险联系单"), worker, NOW - dt.timedelta(hours=15)
    )
    feedback.rate(feedback.invitation_for(logged), 1, "<script>alert(1)</script>等了很久", NOW)
    return CallBack.objects.get()


def close_url(call_back):
    return reverse("desks:close_call_back", args=[call_back.pk])


def test_the_head_sees_the_call_back_with_the_comment_escaped(client, head, call_back):
    client.force_login(head)
    response = client.get(reverse("desks:follow_ups"))
    assert "生育保险联系单" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;等了很久" in response.text
    assert "<script>alert(1)" not in response.text


def test_the_head_closes_it_with_what_was_done(client, head, call_back):
    client.force_login(head)
    response = client.post(close_url(call_back), {"resolution": "已电话回访，居民表示理解"})
    assert response.status_code == 302
    call_back.refresh_from_db()
    assert call_back.closed_at == NOW and call_back.closed_by == head
    assert call_back.resolution == "已电话回访，居民表示理解"
    assert "生育保险联系单" not in client.get(reverse("desks:follow_ups")).text


def test_closing_over_htmx_answers_the_fragment(client, head, call_back):
    client.force_login(head)
    response = client.post(
        close_url(call_back), {"resolution": "已回访"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="call-back-{call_back.pk}"' in response.text and "已回访" in response.text


def test_it_needs_what_was_done(client, head, call_back):
    client.force_login(head)
    response = client.post(close_url(call_back), {"resolution": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    call_back.refresh_from_db()
    assert call_back.closed_at is None


def test_it_rejects_get(client, head, call_back):
    client.force_login(head)
    assert client.get(close_url(call_back)).status_code == 405


def test_it_requires_a_login(client, call_back):
    response = client.post(close_url(call_back), {"resolution": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_head_of_another_community_cannot_see_or_close_it(client, call_back):
    client.force_login(make_user(Role.HEAD, username="other-head"))
    assert "生育保险联系单" not in client.get(reverse("desks:follow_ups")).text
    assert client.post(close_url(call_back), {"resolution": "x"}).status_code == 404
    call_back.refresh_from_db()
    assert call_back.closed_at is None


def test_a_worker_who_does_not_own_it_cannot_close_it(client, worker, call_back):
    client.force_login(worker)
    assert "生育保险联系单" not in client.get(reverse("desks:follow_ups")).text
    assert client.post(close_url(call_back), {"resolution": "x"}).status_code == 403
