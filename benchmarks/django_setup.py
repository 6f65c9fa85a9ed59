"""Shared by the benchmark scripts: Django set up against a benchmark database."""

import os
import runpy
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1",
    "HTTPS": "false",
    "RESIDENT_ID_HMAC_KEY": "bench-only-hmac-" + "y" * 40,
}


def database_url(name: str) -> str:
    if not name.startswith("servicedesk_bench"):
        raise SystemExit("benchmarks only run against databases named servicedesk_bench*")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def setup(database: str, root: Path = ROOT, **env) -> None:
    """Django on `database`, running the code of `root` (this checkout, or another), with
    the garbage collector as that checkout's gunicorn.conf.py leaves a worker."""
    sys.path.insert(0, str(root))
    os.environ.update(PRODUCTION_ENV)
    os.environ.update(env)
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    import django

    django.setup()
    runpy.run_path(str(root / "gunicorn.conf.py"))["pre_fork"](server=None, worker=None)


def timed(function, repeat: int) -> tuple[float, list[float]]:
    """Median wall time of `function()` in milliseconds over `repeat` runs (after one warm-up)."""
    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
