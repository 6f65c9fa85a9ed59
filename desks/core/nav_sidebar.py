"""The admin's navigation sidebar, rendered once for each list of apps a person may see.

Django renders admin/nav_sidebar.html on every admin page: a table row per model, each
with several lookups, filters and translations, a tenth of the monthly report's time
(benchmarks/RESULTS.md). What it prints depends on nothing but the apps and models the
person may see (the admin's `available_apps`, still built for each request, so
permissions stay live), the language and the page's path: the same inputs give the
same HTML, kept here for the next page that has them. That holds while the project
overrides neither admin/nav_sidebar.html nor admin/app_list.html to read anything else
(the user, perms): such an override must drop this memo.
"""

import json

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# One entry per language × page × list of apps: a handful of roles in practice. Past
# this bound (a surprise) the memo starts again rather than grow.
KEPT = 64

_rendered: dict[tuple[str, str, str], SafeString] = {}


def nav_sidebar(request: HttpRequest, available_apps: list[dict]) -> SafeString:
    """admin/nav_sidebar.html as the admin's base.html includes it, for this request."""
    # Every value in the app list, lazy names translated (default=str), models named.
    key = (get_language(), request.path, json.dumps(available_apps, default=str))
    # Threads share the memo: read once, so another thread's clear() cannot come between.
    if (html := _rendered.get(key)) is None:
        if len(_rendered) >= KEPT:
            _rendered.clear()
        html = _rendered[key] = render_to_string(
            "admin/nav_sidebar.html", {"available_apps": available_apps, "request": request}
        )
    return html
