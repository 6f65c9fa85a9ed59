"""The rota month's admin page: the 发布 button, its confirmation and who may press it."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import Role, RotaMonth
from desks.rota.planning import generate_month
from tests.clock import TUESDAY_MORNING as NOW
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture
def draft(clock, community, worker, colleague):
    clock.stop_at(NOW)
    return generate_month(community, DECEMBER, NOW).rota_month


def publish_url(rota_month):
    return reverse("admin:desks_rotamonth_publish", args=[rota_month.pk])


def page_url(rota_month):
    return "/en" + reverse("admin:desks_rotamonth_change", args=[rota_month.pk])


def test_the_month_page_shows_a_draft_the_publish_button_and_what_it_means(client, head, draft):
    client.force_login(head)
    page = client.get(page_url(draft)).content.decode()
    assert f'action="/en/admin/desks/rotamonth/{draft.pk}/publish/"' in page
    assert 'value="Publish"' in page
    assert "/desk/me/" in page
    assert "never regenerated" in page


def test_the_chinese_month_page_says_publish_not_the_follow_ups_close(client, head, draft):
    """Django's own "Close" (关闭) link is not the follow-up's 办结 any more."""
    client.force_login(head)
    page = client.get(reverse("admin:desks_rotamonth_change", args=[draft.pk])).content.decode()
    assert 'value="发布"' in page
    assert "办结" not in page


def test_a_head_is_asked_to_confirm_before_publishing(client, head, draft):
    client.force_login(head)
    response = client.post(publish_url(draft))
    assert response.status_code == 200
    assert b'name="confirm"' in response.content
    draft.refresh_from_db()
    assert not draft.is_published


def test_the_head_of_the_community_publishes_it(client, clock, head, draft, english):
    client.force_login(head)
    response = client.post(publish_url(draft), {"confirm": "yes"}, follow=True)
    draft.refresh_from_db()
    assert draft.is_published
    assert (draft.published_at, draft.published_by) == (NOW, head)
    assert "is published" in response.content.decode()
    assert b'value="Publish"' not in response.content  # a published month has no button


def test_publishing_twice_says_so_and_changes_nothing(client, clock, head, draft):
    url = publish_url(draft)
    client.force_login(head)
    client.post(url, {"confirm": "yes"})
    clock.stop_at(NOW + dt.timedelta(hours=1))
    other_head = make_user(Role.HEAD, community=draft.community, username="deputy")
    client.force_login(other_head)
    response = client.post("/en" + url, {"confirm": "yes"}, follow=True)
    assert "already published" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.published_at, draft.published_by) == (NOW, head)


def test_another_communitys_head_cannot_publish_it(client, neighbour, draft):
    client.force_login(make_user(Role.HEAD, community=neighbour, username="neighbour-head"))
    response = client.post(publish_url(draft), {"confirm": "yes"})
    assert response.status_code == 404
    assert not RotaMonth.objects.get(pk=draft.pk).is_published


def test_the_street_office_cannot_publish_it(client, office, draft):
    client.force_login(office)
    response = client.post(publish_url(draft), {"confirm": "yes"})
    assert b"/desk/me/" not in client.get(page_url(draft)).content
    assert response.status_code == 403
    assert not RotaMonth.objects.get(pk=draft.pk).is_published


def test_a_worker_is_sent_to_log_in(client, worker, draft):
    client.force_login(worker)
    response = client.post(publish_url(draft), {"confirm": "yes"})
    assert response.status_code == 302
    assert not RotaMonth.objects.get(pk=draft.pk).is_published


def test_publishing_is_never_a_get(client, head, draft):
    client.force_login(head)
    assert client.get(publish_url(draft), {"confirm": "yes"}).status_code == 405
    assert not RotaMonth.objects.get(pk=draft.pk).is_published


def test_an_unknown_month_is_a_404(client, head, draft):
    client.force_login(head)
    response = client.post(reverse("admin:desks_rotamonth_publish", args=[draft.pk + 99]))
    assert response.status_code == 404
