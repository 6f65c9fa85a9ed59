"""Two real app servers: what one process saves, the other serves on its next request.

Each test starts two gunicorn servers (one worker each) on one SQLite file and one
CACHE_URL, and saves the change from a third process (`manage.py shell`), as the
admin on another worker or machine would. With Redis the change shows at once; with
the default per-process cache, within LOCAL_PAGE_SECONDS (5 s).
"""

import datetime as dt
import uuid

import pytest

from tests.clock import SHANGHAI
from tests.servers import (
    FRESH_SECONDS,
    app_server,
    in_another_process,
    migrated_sqlite,
    page,
    redis_db,
    shown_by,
)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    return migrated_sqlite(tmp_path_factory.mktemp("servers"))


def make_centre(env: dict, name: str) -> str:
    slug = f"c-{uuid.uuid4().hex[:12]}"
    in_another_process(
        env,
        "from desks.models import Community, StreetOffice; "
        f"office = StreetOffice.objects.create(name='{slug}', slug='{slug}'); "
        f"Community.objects.create(name='{name}', slug='{slug}', street_office=office)",
    )
    return f"/c/{slug}/"


def rename(env: dict, path: str, name: str) -> float:
    slug = path.strip("/").split("/")[-1]
    return in_another_process(
        env,
        "from desks.models import Community; "
        f"centre = Community.objects.get(slug='{slug}'); centre.name = '{name}'; "
        "centre.save(update_fields=['name'])",
    )


def test_with_redis_a_change_saved_anywhere_shows_on_every_server_at_once(database):
    db = redis_db()
    if db is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (.ci/run starts one)")
    env = {"DATABASE_URL": database, "CACHE_URL": f"redis://127.0.0.1:6379/{db}"}
    path = make_centre(env, "旧名社区")
    with app_server(env) as a, app_server(env) as b:
        for server in (a, b):
            assert "旧名社区" in page(server + path)
        rename(env, path, "新名社区")
        assert "新名社区" in page(b + path)
        assert "新名社区" in page(a + path)


def test_with_the_default_local_cache_a_change_shows_on_each_process_within_5_seconds(database):
    """What a single server with several workers and no CACHE_URL gets: a change saved
    in one process purges only that process's copies; each other process keeps its
    copy LOCAL_PAGE_SECONDS at most. (Threads of one process share one cache: the
    in-process tests.)"""
    env = {"DATABASE_URL": database, "CACHE_URL": "locmemcache://"}
    path = make_centre(env, "旧名社区")
    with app_server(env) as a:
        assert "旧名社区" in page(a + path)
        saved = rename(env, path, "新名社区")
        shown_by(a + path, "新名社区", saved + FRESH_SECONDS)
        assert "新名社区" in page(a + f"{path}?fresh")


def close_for_a_day(env: dict, path: str, day: str, reason: str) -> float:
    slug = path.strip("/").split("/")[-1]
    return in_another_process(
        env,
        "import datetime as dt; from desks.models import Community, DateOverride; "
        f"DateOverride.objects.create(community=Community.objects.get(slug='{slug}'), "
        f"date=dt.date.fromisoformat('{day}'), reason='{reason}')",
    )


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "locmem"])
def test_a_closure_saved_in_one_process_reaches_every_server_within_5_seconds(database, shared):
    """The servers run on the real clock: the closure is for tomorrow, which both the
    JSON of that day and the centre's page (the week ahead) show."""
    if shared:
        db = redis_db()
        if db is None:
            pytest.skip("no Redis at 127.0.0.1:6379 (.ci/run starts one)")
        cache_url = f"redis://127.0.0.1:6379/{db}"
    else:
        cache_url = "locmemcache://"
    env = {"DATABASE_URL": database, "CACHE_URL": cache_url}
    path = make_centre(env, "和平社区")
    slug = path.strip("/").split("/")[-1]
    tomorrow = (dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=1)).isoformat()
    api = f"/api/hours/?date={tomorrow}&community={slug}"
    with app_server(env) as a, app_server(env) as b:
        for server in (a, b):  # each keeps its copies
            assert '"status": "open"' in page(server + api)
            assert "台风停止开放" not in page(server + path)
        saved = close_for_a_day(env, path, tomorrow, "台风停止开放")
        for server in (a, b):
            shown_by(server + api, "台风停止开放", saved + FRESH_SECONDS)
            assert '"status": "closed"' in page(server + api)
            shown_by(server + path, "台风停止开放", saved + FRESH_SECONDS)
