"""Two real app servers: what one process saves, the other serves on its next request.

Each test starts two gunicorn servers (one worker each) on one SQLite file and one
CACHE_URL, and saves the change from a third process (`manage.py shell`), as the
admin on another worker or machine would. With Redis the change shows at once; with
the default per-process cache, within LOCAL_PAGE_SECONDS (5 s).
"""

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.clock import SHANGHAI

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
STARTUP_SECONDS = 30


def redis_db() -> int | None:
    """A Redis database of its own for this test worker, or None when Redis is not up."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            if not connection.recv(16).startswith(b"+PONG"):
                return None
    except OSError:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return 10 + int(worker) % 6  # 10..15: away from a developer's 0 and 1


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('servers') / 'db.sqlite3'}"
    manage({"DATABASE_URL": url}, "migrate", "-v0")
    return url


def manage(env: dict, *arguments: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def in_another_process(env: dict, code: str) -> float:
    """Run `code` in a process of its own; returns when it was done (time.time())."""
    output = manage(env, "shell", "-c", f"{code}; import time; print('done at', time.time())")
    return float(output.rsplit("done at", 1)[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def app_server(env: dict):
    """gunicorn with gunicorn.conf.py and one worker, until the block ends; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        # No control socket: by default every gunicorn on the machine shares one path
        # (~/.gunicorn/gunicorn.ctl). A short graceful timeout: on a loaded machine a
        # worker sometimes ignores the quit for the whole 30 s, and the test waits 30.
        [
            GUNICORN,
            "--config",
            "gunicorn.conf.py",
            "--no-control-socket",
            "--graceful-timeout",
            "5",
            "servicedesk.wsgi",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_ACCESS_LOG": "",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(base):
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, f"gunicorn not up after {STARTUP_SECONDS} s"
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown; TERM waits for workers
        process.wait(timeout=30)


def answers(base: str) -> bool:
    try:
        urllib.request.urlopen(f"{base}/api/hours/?date=2026-01-01", timeout=2).close()
    except OSError:
        return False
    return True


def page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


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


FRESH_SECONDS = 5
# One request's own time, on top of the 5 s (the copy is gone by then; the answer
# that shows it still has to travel).
REQUEST_SECONDS = 1


def shown_by(url: str, text: str, deadline: float) -> float:
    """Ask `url` again and again until it shows `text`; fail if that is after `deadline`
    (time.time(): the saving process's clock is this one's). Returns when it was shown."""
    while True:
        asked = time.time()
        if text in page(url):
            assert asked <= deadline, f"{url} showed it {asked - deadline:.2f} s late"
            return asked
        assert time.time() <= deadline + REQUEST_SECONDS, f"{url} never showed {text!r}"
        time.sleep(0.05)  # re-ask soon; the deadline, not this pause, decides


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
