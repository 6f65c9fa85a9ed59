"""The admin site: Django's, with its app list sorted by names translated once.

INSTALLED_APPS names AdminConfig instead of django.contrib.admin, which makes AdminSite
the `admin.site` that every ModelAdmin registers with.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "desks.core.admin_site.AdminSite"


class AdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """Django's order: apps, and models within each, by their translated names.

        Django sorts the lazy names themselves, and each comparison of two translates
        both again: ~300 translations, ~0.9 ms of every admin page (the monthly report
        included, benchmarks/RESULTS.md). Here each name is translated once, to sort by.
        """
        apps = sorted(
            self._build_app_dict(request, app_label).values(),
            key=lambda app: str(app["name"]).lower(),
        )
        for app in apps:
            app["models"].sort(key=lambda model: str(model["name"]))
        return apps
