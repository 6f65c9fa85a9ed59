from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from desks.views import api, reports

# Chinese pages live at /..., English at /en/...: the language is in the URL, so
# public pages need no cookie and can be cached.
urlpatterns = [
    path("api/hours/", api.hours_on, name="api_hours"),
    *i18n_patterns(
        path("", include("desks.urls")),
        path("desk/residents/", include("residents.urls")),
        path("accounts/", include("django.contrib.auth.urls")),
        path("admin/reports/", admin.site.admin_view(reports.report), name="reports"),
        re_path(
            r"^admin/reports/export\.(?P<file_format>csv|xlsx)$",
            admin.site.admin_view(reports.export),
            name="reports_export",
        ),
        path("admin/", admin.site.urls),
        prefix_default_language=False,
    ),
]
