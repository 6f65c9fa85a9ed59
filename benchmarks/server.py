"""Start and stop gunicorn for a benchmark: production settings, 127.0.0.1 only."""

import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager

from django_setup import PRODUCTION_ENV, ROOT, database_url

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


@contextmanager
def gunicorn(app, database, port, cache_url="locmemcache://", extra_env=None):
    """Run `gunicorn app` with gunicorn.conf.py on 127.0.0.1:port until the block ends."""
    refuse_taken_port(port)
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url(database),
        "CACHE_URL": cache_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [GUNICORN, "--config", str(ROOT / "gunicorn.conf.py"), "--pythonpath", "benchmarks", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(f"/tmp/servicedesk-bench-gunicorn-{port}.log", "w"),  # noqa: SIM115
    )
    try:
        yield wait_until_up(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def refuse_taken_port(port: int) -> None:
    """Stop if something already listens on `port`: the benchmark would measure it instead
    (the machine is shared, and another checkout may run the same benchmark)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken by another server: choose other ports")


def wait_until_up(base: str, tries: int = 100) -> str:
    """Return `base` once a server answers there (any HTTP status will do)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(f"{base}/static/favicon.svg", timeout=2)
            break
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error: the server is up
                break
            time.sleep(0.2)
    return base
