"""The day's limit per device holds across app servers: two real gunicorns on one Redis.

The servers run on the real clock: the centre is made open all of today (a date override)
and the limit is counted for today."""

import datetime as dt
import re
import secrets
import urllib.parse
from zoneinfo import ZoneInfo

import pytest

from desks.booking import queue
from tests.servers import app_server, manage, migrated_sqlite, redis_db, request


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("queue-limits"))


def open_all_day(env: dict) -> tuple[str, int]:
    """A centre open all of today, and one matter; (take path, item id)."""
    slug = f"q-{secrets.token_hex(6)}"
    output = manage(
        env,
        "shell",
        "-c",
        "import datetime as dt; from django.utils import timezone; "
        "from desks.models import DateOverride, ServiceCategory; "
        "from tests.factories import make_community, make_service_item, make_street_office; "
        f"office = make_street_office(name='{slug}', slug='{slug}'); "
        f"centre = make_community(office, name='{slug}', slug='{slug}'); "
        f"item = make_service_item(ServiceCategory.objects.create(name='{slug}'), name='{slug}'); "
        "DateOverride.objects.create(community=centre, date=timezone.localdate(), "
        "start=dt.time(0, 0), end=dt.time(23, 59), reason='test'); print('item', item.pk)",
    )
    return f"/en/c/{slug}/queue/", int(output.rsplit("item", 1)[1])


def test_one_devices_numbers_for_the_day_are_counted_across_two_servers(database):
    db = redis_db()
    if db is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (.ci/run starts one)")
    if dt.datetime.now(ZoneInfo("Asia/Shanghai")).time() >= dt.time(23, 55):
        pytest.skip("the centre's day ends in a few minutes")
    env = {
        "DATABASE_URL": database,
        "CACHE_URL": f"redis://127.0.0.1:6379/{db}",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    path, item_id = open_all_day(env)
    client = f"203.0.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    with app_server(env) as a, app_server(env) as b:
        status, cookie, body = request(a, "GET", path, headers={"X-Forwarded-For": client})
        assert status == 200
        cookies = {"csrftoken": re.search(r"csrftoken=([^;]+)", cookie)[1]}
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
        form = urllib.parse.urlencode({"service_item": item_id, "csrfmiddlewaretoken": token})
        statuses = []
        for server in [a, b] * queue.TICKETS_PER_DEVICE:
            status, set_cookie, _ = request(
                server,
                "POST",
                path,
                form,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
                    "X-Forwarded-For": client,
                },
            )
            statuses.append(status)
            if device := re.search(rf"{queue.DEVICE_COOKIE}=([^;]+)", set_cookie):
                cookies[queue.DEVICE_COOKIE] = device[1]
    limit = queue.TICKETS_PER_DEVICE
    # Per process, each server would have let `limit` through: twice as many.
    assert statuses == [302] * limit + [429] * limit, statuses
    stored = manage(
        env,
        "shell",
        "-c",
        "from desks.models import QueueTicket; "
        f"print('tickets', QueueTicket.objects.filter(community__slug='{path.split('/')[3]}')"
        ".count())",
    )
    assert int(stored.rsplit("tickets", 1)[1]) == limit
