"""Django's floor: a view that answers the measured bytes, through the whole middleware stack.

bench_http.py serves it on the same gunicorn as the real page, uncached. It is the
most any Django-rendered response can do on this machine: the gap between it and
trivial_app.py is Django's own cost per request, before the page does any work.
With BENCH_SIGNED_IN=1 (bench_save.py) the view first reads who is signed in, as every
desk view does (the session, the user; CSRF is checked on a POST anyway), and refuses
anybody else: the floor of any signed-in desk action.
"""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import re_path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
CONTENT_TYPE = os.environ.get("BENCH_CONTENT_TYPE", "text/html; charset=utf-8")
SIGNED_IN = os.environ.get("BENCH_SIGNED_IN") == "1"


def fixed_bytes(request):
    if SIGNED_IN and not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(BODY, content_type=CONTENT_TYPE)


urlpatterns = [re_path(r"", fixed_bytes)]

application = get_wsgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)

settings.ROOT_URLCONF = __name__
