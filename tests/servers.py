"""Real app servers for tests that span processes: gunicorn on a SQLite file of its own.

The servers run on the real clock (time-machine cannot reach another process), so
tests built on them ask about tomorrow, and wait with a deadline, never a fixed sleep.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def migrated_sqlite(directory: Path) -> str:
    """A SQLite file in `directory` with every migration applied; returns its URL."""
    url = f"sqlite:///{directory / 'db.sqlite3'}"
    manage({"DATABASE_URL": url}, "migrate", "-v0")
    return url


def shared_cache_url() -> str:
    """Redis when it is up (what production runs), else each process's own cache."""
    db = redis_db()
    return f"redis://127.0.0.1:6379/{db}" if db is not None else "locmemcache://"


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


FRESH_SECONDS = 5


def shown_by(url: str, text: str, deadline: float) -> float:
    """Ask `url` again and again until it shows `text`; fail if a request sent after
    `deadline` (time.time(): the saving process's clock is this one's) still does not.
    What is judged is when each request was sent, not how long a loaded machine took
    to answer it. Returns when the request that showed it was sent."""
    while True:
        asked = time.time()
        if text in page(url):
            return asked
        assert asked <= deadline, f"{url} still did not show {text!r} {asked - deadline:.2f} s late"
        time.sleep(0.05)  # re-ask soon; the deadline, not this pause, decides


def request(base: str, method: str, path: str, body: str = "", headers=None):
    """One HTTP request to a test server: (status, Set-Cookie, body)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()
