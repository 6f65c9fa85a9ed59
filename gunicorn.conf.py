"""gunicorn settings for production: `gunicorn servicedesk.wsgi` picks this file up.

Sizing (docs/deploy.md): threaded workers, two processes per core plus one, each
with GUNICORN_THREADS threads. A thread holds at most one database connection at
a time, so DATABASE_POOL_MAX should equal GUNICORN_THREADS, and PostgreSQL must
allow workers × DATABASE_POOL_MAX connections (plus a few for psql and backups).
On 2 cores: 5 workers × 4 threads × pool 4 = 20 connections at most.
"""

import gc
import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker answer other requests while one waits on PostgreSQL, and
# keep keep-alive connections from nginx open without a process each.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# How many connections a worker takes at once (gunicorn's default, 1000). At `threads`, a
# worker with every thread busy leaves the next connection to another worker: compared
# by benchmarks/bench_crowd.py (shape 5x4c4), not yet the default (RESULTS.md).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", 1000))
# Load the app once in the master and fork: faster start, shared memory pages.
preload_app = True
# A desk POST takes milliseconds; anything past 30 s is stuck and is restarted.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound; but rarely:
# with the default locmem:// cache a new worker starts with an empty page cache and
# renders every public page again (with CACHE_URL=redis://… it shares the others').
# At 5,000 the 5 workers recycled every few seconds under the benchmark's load
# (benchmarks/RESULTS.md); at 100,000 a worker lives a few minutes at full load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
# An empty GUNICORN_ACCESS_LOG turns the access log off (nginx keeps its own).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"

# A worker's private calendar address is a secret in its path (/desk/me/<token>.ics), and
# the old address had it in its query string (?token=); so is a resident's booking link
# (/b/<token>/): the access log keeps none of them.
_CALENDAR_SECRET = re.compile(r"(/desk/me/)[^/\s?]+(\.ics)|(token=)[^&\s]+|(/b/)[^/\s?]+")


def without_calendar_secret(text):
    def hidden(match):
        if match[1]:
            return f"{match[1]}…{match[2]}"
        return f"{match[3] or match[4]}…"

    return _CALENDAR_SECRET.sub(hidden, text)


class AccessLogWithoutSecrets(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = without_calendar_secret(atoms[key])
        return atoms


logger_class = AccessLogWithoutSecrets


# A request leaves a few hundred objects in reference cycles (request, response, template
# contexts) and makes thousands more. At Python's default threshold (700) the youngest
# generation was collected several times a save; at 50,000, every hundred saves or so:
# 5-10 % less CPU a desk save in-process (benchmarks/RESULTS.md), for a few MB of garbage
# waiting a little longer in each worker.
GC_YOUNGEST_THRESHOLD = 50_000


def pre_fork(server, worker):
    """Move everything the app loaded (preload_app) out of the garbage collector's reach
    before forking: a worker's full collections then scan only what its requests made,
    not Django's hundreds of thousands of long-lived objects, and the pages the worker
    shares with the master stay shared (the Python docs' advice for fork without exec).
    Then collect the youngest objects less often (GC_YOUNGEST_THRESHOLD)."""
    gc.freeze()
    gc.set_threshold(GC_YOUNGEST_THRESHOLD, *gc.get_threshold()[1:])
