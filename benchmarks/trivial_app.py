"""The yardstick: a WSGI app that answers every request with fixed bytes, nothing else.

bench_http.py saves the page it measures to BENCH_BODY_FILE and serves it with this
app on the same gunicorn, so the difference is what Django and the database cost.
"""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
HEADERS = [
    ("Content-Type", os.environ.get("BENCH_CONTENT_TYPE", "text/html; charset=utf-8")),
    ("Content-Length", str(len(BODY))),
]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
