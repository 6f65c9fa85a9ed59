"""The vote page (点单): one vote per device per round, no personal data, rate-limited."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.models import MenuItem, Vote, VotingRound
from desks.voice import feedback
from tests.clock import at
from tests.factories import make_community, make_service_item

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 24, 19, 20)
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _evening(clock):
    clock.stop_at(NOW)


@pytest.fixture
def community():
    return make_community(name="和平社区", slug="heping")


@pytest.fixture
def voting_round(community):
    return VotingRound.objects.create(
        community=community, title="2026年冬季居民点单", opens_at=NOW - dt.timedelta(days=1)
    )


@pytest.fixture
def item():
    return make_service_item(name="居民医保参保登记")


def vote_url(community):
    return reverse("desks:vote", args=[community.slug])


def test_it_shows_the_items_to_vote_for(client, voting_round, item):
    response = client.get(vote_url(voting_round.community))
    assert response.status_code == 200
    assert "居民医保参保登记" in response.text
    assert "2026年冬季居民点单" in response.text
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_stores_a_vote_and_remembers_the_device_by_a_hash(client, voting_round, item):
    response = client.post(vote_url(voting_round.community), {"service_item": item.pk})
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert vote.service_item == item and vote.round == voting_round
    cookie = response.cookies[feedback.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert vote.device_hash == feedback.device_hash(cookie.value) != cookie.value
    assert "您的投票已记录" in client.get(vote_url(voting_round.community)).text


def test_it_stores_a_wish_for_staff_to_map(client, voting_round):
    client.post(vote_url(voting_round.community), {"wish": "  代缴水电费 "})
    vote = Vote.objects.get()
    assert vote.wish == "代缴水电费" and vote.service_item is None


def test_a_device_votes_once_per_round(client, voting_round, item):
    client.post(vote_url(voting_round.community), {"service_item": item.pk})
    response = client.post(vote_url(voting_round.community), {"wish": "再投一票"})
    assert response.status_code == 409
    assert Vote.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a service, or write what you would like."),
        ({"wish": "   "}, "Choose a service, or write what you would like."),
        ({"service_item": "999999"}, "That service is not on the list"),
        ({"service_item": "x"}, "That service is not on the list"),
        ({"wish": "长" * 51}, "50 characters or fewer"),
        ("both", "not both"),
    ],
)
def test_bad_input_answers_422_with_a_message_and_stores_nothing(
    client, voting_round, item, data, message
):
    if data == "both":
        data = {"service_item": item.pk, "wish": "代缴水电费"}
    response = client.post("/en" + vote_url(voting_round.community), data)
    assert response.status_code == 422
    assert message in response.text
    assert not Vote.objects.exists()
    assert feedback.DEVICE_COOKIE not in response.cookies


def test_it_says_so_when_no_round_is_open(client, community, item):
    VotingRound.objects.create(
        community=community,
        title="已结束",
        opens_at=NOW - dt.timedelta(days=10),
        closes_at=NOW - dt.timedelta(days=1),
    )
    assert "没有正在进行的点单" in client.get(vote_url(community)).text
    response = client.post(vote_url(community), {"service_item": item.pk})
    assert response.status_code == 409
    assert not Vote.objects.exists()


def test_an_unknown_community_is_404(client):
    assert client.get("/c/nowhere/vote/").status_code == 404


def test_it_rejects_other_methods(client, voting_round):
    assert client.put(vote_url(voting_round.community)).status_code == 405


def test_flooding_it_answers_429_and_stores_nothing_more(client, settings, voting_round, item):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    for _ in range(feedback.VOTE_LIMIT):
        client.cookies.clear()  # a new "device" each time, from one address
        assert (
            client.post(vote_url(voting_round.community), {"service_item": item.pk}).status_code
            == 302
        )
    client.cookies.clear()
    response = client.post(vote_url(voting_round.community), {"service_item": item.pk})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "请稍等一分钟" in response.text
    assert Vote.objects.count() == feedback.VOTE_LIMIT


def test_the_community_page_links_to_the_vote_and_sets_no_cookie(client, voting_round):
    response = client.get(reverse("desks:community", args=[voting_round.community.slug]))
    assert vote_url(voting_round.community) in response.text
    assert not response.cookies
    assert "public" in response["Cache-Control"]


def test_the_ranking_and_the_top_eight_make_the_menu_shown_to_residents(client, voting_round):
    items = [make_service_item(name=f"服务{n:02d}") for n in range(10)]
    for n, chosen in enumerate(items):
        for copy in range(10 - n):  # item 0 gets 10 votes, item 9 one
            Vote.objects.create(
                round=voting_round, service_item=chosen, device_hash=f"{n}-{copy}", created_at=NOW
            )
    Vote.objects.create(round=voting_round, wish="未归类的愿望", device_hash="w", created_at=NOW)
    ranked = list(voting_round.ranking())
    assert [item.votes_count for item in ranked] == list(range(10, 0, -1))

    feedback.use_top(voting_round)
    assert [entry.service_item for entry in MenuItem.objects.filter(round=voting_round)] == items[
        :8
    ]
    page = client.get(reverse("desks:community", args=[voting_round.community.slug])).text
    menu = page[page.index('class="evening-menu"') : page.index("</section>")]
    assert "服务00" in menu and "服务07" in menu and "服务08" not in menu


# One address per round: a new cookie is a new device, not a new quota


def vote_as_a_new_device(client, community, item, address="203.0.113.5"):
    client.cookies.clear()
    url = f"/en/c/{community.slug}/vote/"
    return client.post(url, {"service_item": item.pk}, REMOTE_ADDR=address)


def test_clearing_the_cookie_does_not_buy_more_than_the_address_s_share_of_a_round(
    client, settings, clock, voting_round, item
):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    for number in range(feedback.VOTES_PER_ADDRESS):
        if number % feedback.VOTE_LIMIT == 0:
            clock.stop_at(NOW + dt.timedelta(minutes=number))  # within the per-minute limit
        assert vote_as_a_new_device(client, voting_round.community, item).status_code == 302
    clock.stop_at(NOW + dt.timedelta(hours=1))
    response = vote_as_a_new_device(client, voting_round.community, item)
    assert response.status_code == 429
    assert "Enough votes from this network" in response.text
    assert feedback.DEVICE_COOKIE not in response.cookies
    assert Vote.objects.count() == feedback.VOTES_PER_ADDRESS
    # Another address (another building) still votes; so does this one in the next round.
    assert (
        vote_as_a_new_device(client, voting_round.community, item, "203.0.113.6").status_code == 302
    )
    voting_round.closes_at = NOW + dt.timedelta(hours=2)
    voting_round.save()
    next_round = VotingRound.objects.create(
        community=voting_round.community, title="下一轮", opens_at=NOW + dt.timedelta(hours=2)
    )
    clock.stop_at(NOW + dt.timedelta(hours=3))
    assert vote_as_a_new_device(client, voting_round.community, item).status_code == 302
    assert next_round.votes.count() == 1


def test_a_device_voting_twice_does_not_use_up_its_address_s_share(
    client, settings, clock, voting_round, item
):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    address = "203.0.113.7"
    url = vote_url(voting_round.community)
    assert client.post(url, {"service_item": item.pk}, REMOTE_ADDR=address).status_code == 302
    token = client.cookies[feedback.DEVICE_COOKIE].value
    # The same device again, in a race the page did not see: refused, and given back.
    assert feedback.cast_vote(voting_round, token, NOW, item, address=address) is None
    for number in range(feedback.VOTES_PER_ADDRESS - 1):
        clock.stop_at(NOW + dt.timedelta(minutes=number))
        assert (
            vote_as_a_new_device(client, voting_round.community, item, address).status_code == 302
        )
    assert Vote.objects.count() == feedback.VOTES_PER_ADDRESS


def test_behind_the_proxy_each_client_has_its_own_share(
    client, settings, clock, voting_round, item
):
    settings.CACHES = {**settings.CACHES, **LOCMEM}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    url = vote_url(voting_round.community)
    for _ in range(feedback.VOTE_LIMIT):
        client.cookies.clear()
        response = client.post(
            url, {"service_item": item.pk}, headers={"X-Forwarded-For": "198.51.100.1"}
        )
        assert response.status_code == 302
    client.cookies.clear()
    flood = client.post(url, {"service_item": item.pk}, headers={"X-Forwarded-For": "198.51.100.1"})
    assert flood.status_code == 429
    neighbour = client.post(
        url, {"service_item": item.pk}, headers={"X-Forwarded-For": "198.51.100.2"}
    )
    assert neighbour.status_code == 302  # one client's flood is not everyone's 429
