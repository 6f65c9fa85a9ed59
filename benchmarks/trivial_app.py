"""The yardstick: a WSGI app that answers every request with fixed bytes, nothing else.

bench_http.py saves the page it measures (body in BENCH_BODY_FILE, Django's response
headers as JSON in BENCH_HEADERS) and serves them with this app on the same
gunicorn: the very same bytes on the wire, so the difference is what Django, the
database and the cache in front of them cost.
"""

import json
import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
HEADERS = [tuple(header) for header in json.loads(os.environ["BENCH_HEADERS"])]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
