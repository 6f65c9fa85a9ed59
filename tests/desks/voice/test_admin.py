"""Staff run voting rounds in the admin, scoped to the communities they may see."""

import pytest
from django.urls import reverse

from desks.models import MenuItem, Role, Vote, VotingRound
from tests.clock import at
from tests.factories import make_community, make_service_item, make_street_office, make_user

pytestmark = pytest.mark.django_db

OPENS = at(2026, 11, 1, 9)


@pytest.fixture
def heping():
    return make_community(make_street_office(), name="和平社区")


@pytest.fixture
def voting_round(heping):
    voting = VotingRound.objects.create(community=heping, title="冬季点单", opens_at=OPENS)
    for n in range(10):
        item = make_service_item(name=f"服务{n}")
        for copy in range(10 - n):
            Vote.objects.create(
                round=voting, service_item=item, device_hash=f"{n}/{copy}", created_at=OPENS
            )
    return voting


def test_the_head_sees_the_ranking_and_uses_the_top_eight(client, heping, voting_round):
    client.force_login(make_user(Role.HEAD, community=heping))
    change = reverse("admin:desks_votinground_change", args=[voting_round.pk])
    assert "服务0 — 10" in client.get(change).text
    response = client.post(
        reverse("admin:desks_votinground_changelist"),
        {"action": "use_top", "_selected_action": [voting_round.pk]},
    )
    assert response.status_code == 302
    names = [entry.service_item.name for entry in MenuItem.objects.filter(round=voting_round)]
    assert names == [f"服务{n}" for n in range(8)]


def test_the_head_closes_a_round(client, heping, voting_round):
    client.force_login(make_user(Role.HEAD, community=heping))
    client.post(
        reverse("admin:desks_votinground_changelist"),
        {"action": "close_now", "_selected_action": [voting_round.pk]},
    )
    voting_round.refresh_from_db()
    assert voting_round.closes_at is not None


def test_a_head_of_another_community_cannot_see_the_round(client, voting_round):
    client.force_login(make_user(Role.HEAD, username="other-head"))
    change = reverse("admin:desks_votinground_change", args=[voting_round.pk])
    assert client.get(change).status_code == 404
    assert "冬季点单" not in client.get(reverse("admin:desks_votinground_changelist")).text


def test_a_head_can_open_a_round_only_for_their_community(client, heping):
    other = make_community(name="光明社区")
    client.force_login(make_user(Role.HEAD, community=heping))
    page = client.get(reverse("admin:desks_votinground_add")).text
    assert "和平社区" in page and "光明社区" not in page
    response = client.post(
        reverse("admin:desks_votinground_add"),
        {
            "community": other.pk,
            "title": "越权",
            "opens_at_0": "2026-11-01",
            "opens_at_1": "09:00",
            "menu-TOTAL_FORMS": "0",
            "menu-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not VotingRound.objects.filter(title="越权").exists()
