"""The vote limits hold across processes: two real app servers on one shared cache.

What production runs (docs/deploy.md): several gunicorn workers, maybe several
servers, behind nginx, with CACHE_URL=redis://…. Each server here has one worker; the
requests alternate between them, as nginx spreads them. The servers run on the real
clock: the round is open now, and the per-minute count is checked for the minute(s) the
requests actually took.
"""

import re
import secrets
import time
import urllib.parse

import pytest

from desks.voice import feedback
from tests.servers import app_server, manage, migrated_sqlite, redis_db, request


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("limits"))


def open_round(env: dict) -> tuple[str, int]:
    """A community with a round open now and one item to vote for; (vote path, item id)."""
    slug = f"c-{secrets.token_hex(6)}"
    output = manage(
        env,
        "shell",
        "-c",
        "import datetime as dt; from django.utils import timezone; "
        "from desks.models import ServiceCategory, VotingRound; "
        "from tests.factories import make_community, make_service_item, make_street_office; "
        # Names of their own: each process's factories count from 1 again.
        f"office = make_street_office(name='{slug}', slug='{slug}'); "
        f"centre = make_community(office, name='{slug}', slug='{slug}'); "
        f"item = make_service_item(ServiceCategory.objects.create(name='{slug}'), name='{slug}'); "
        "VotingRound.objects.create(community=centre, title='点单', "
        "opens_at=timezone.now() - dt.timedelta(days=1)); print('item', item.pk)",
    )
    return f"/en/c/{slug}/vote/", int(output.rsplit("item", 1)[1])


def csrf(base: str, path: str, client: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token, as a browser gets them from the page."""
    status, cookie, body = request(base, "GET", path, headers={"X-Forwarded-For": client})
    assert status == 200
    secret = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return secret, token


def vote(base, path, item_id, client, secret, token) -> int:
    """One vote from a new device (no device cookie) from `client` behind nginx."""
    body = urllib.parse.urlencode({"service_item": item_id, "csrfmiddlewaretoken": token})
    status, _, _ = request(
        base,
        "POST",
        path,
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={secret}",
            "X-Forwarded-For": client,
        },
    )
    return status


def test_the_per_minute_vote_limit_holds_across_two_servers_on_redis(database):
    db = redis_db()
    if db is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (.ci/run starts one)")
    env = {
        "DATABASE_URL": database,
        "CACHE_URL": f"redis://127.0.0.1:6379/{db}",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    path, item_id = open_round(env)
    # A client of its own for this run: counts left in Redis by earlier runs do not apply.
    client = f"203.0.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    neighbour = f"198.51.100.{secrets.randbelow(250) + 1}"
    with app_server(env) as a, app_server(env) as b:
        secret, token = csrf(a, path, client)
        started = time.time()
        statuses = [
            vote(server, path, item_id, client, secret, token)
            for server in [a, b] * feedback.VOTE_LIMIT
        ]
        finished = time.time()
        neighbour_status = vote(b, path, item_id, neighbour, secret, token)
    assert set(statuses) <= {302, 429}, statuses
    minutes = len({int(started) // 60, int(finished) // 60})
    accepted = statuses.count(302)
    if minutes == 1:
        # Per process, each server would have let VOTE_LIMIT through: 2 × as many.
        assert accepted == feedback.VOTE_LIMIT, statuses
        assert statuses[feedback.VOTE_LIMIT :] == [429] * feedback.VOTE_LIMIT
    else:  # the requests crossed a minute: each minute has its own count
        assert feedback.VOTE_LIMIT <= accepted <= 2 * feedback.VOTE_LIMIT, statuses
    assert neighbour_status == 302  # one client's flood is not everyone's 429


def test_an_address_s_share_of_a_round_is_counted_across_processes_on_redis(database):
    """New devices (no cookie) from one address: the share of the round is one count,
    whichever process took the votes (here a shell, then two servers)."""
    db = redis_db()
    if db is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (.ci/run starts one)")
    env = {
        "DATABASE_URL": database,
        "CACHE_URL": f"redis://127.0.0.1:6379/{db}",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    path, item_id = open_round(env)
    client = f"203.0.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    slug = path.split("/")[3]
    manage(
        env,
        "shell",
        "-c",
        "import secrets; from django.utils import timezone; "
        "from desks.models import ServiceItem, VotingRound; from desks.voice import feedback; "
        f"voting_round = VotingRound.objects.get(community__slug='{slug}'); "
        f"item = ServiceItem.objects.get(pk={item_id}); "
        f"[feedback.cast_vote(voting_round, secrets.token_urlsafe(24), timezone.now(), item, "
        f"address='{client}') for _ in range(feedback.VOTES_PER_ADDRESS - 1)]",
    )
    with app_server(env) as a, app_server(env) as b:
        secret, token = csrf(a, path, client)
        last = vote(a, path, item_id, client, secret, token)
        refused = vote(b, path, item_id, client, secret, token)
        again = vote(a, path, item_id, client, secret, token)
    assert (last, refused, again) == (302, 429, 429)
    stored = manage(
        env,
        "shell",
        "-c",
        f"from desks.models import Vote; print('votes', Vote.objects.filter("
        f"round__community__slug='{slug}').count())",
    )
    assert int(stored.rsplit("votes", 1)[1]) == feedback.VOTES_PER_ADDRESS
