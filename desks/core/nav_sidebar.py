"""The admin's navigation sidebar, rendered once for each list of apps a person may see.

Django renders admin/nav_sidebar.html on every admin page: a table row per model, each
with several lookups, filters and translations, a tenth of the monthly report's time
(benchmarks/RESULTS.md). What it prints depends on nothing but the apps and models the
person may see (the admin's `available_apps`, still built for each request, so
permissions stay live), the language and the page's path: the same inputs give the
same HTML, kept for the next page that has them in the `template_fragments` cache
(servicedesk/settings.py: each process's own, bounded, nothing kept with DEBUG), as
the desk's save keeps the parts of its answer. That holds while the project
overrides neither admin/nav_sidebar.html nor admin/app_list.html to read anything else
(the user, perms): such an override must drop this memo.
"""

import json

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def nav_sidebar(request: HttpRequest, available_apps: list[dict]) -> SafeString:
    """admin/nav_sidebar.html as the admin's base.html includes it, for this request."""
    # Every value in the app list, lazy names translated (default=str), models named.
    inputs = [get_language(), request.path, json.dumps(available_apps, default=str)]
    key = make_template_fragment_key("admin-nav-sidebar", inputs)
    kept = caches["template_fragments"]
    if (html := kept.get(key)) is None:
        html = render_to_string(
            "admin/nav_sidebar.html", {"available_apps": available_apps, "request": request}
        )
        kept.set(key, html, None)
    return html
