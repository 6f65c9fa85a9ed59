"""The admin (/admin/) for street-office staff and community heads, one module per context."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from desks.admin import (
    booking,
    catalogue,
    desk,
    hours,
    organisation,
    queue,
    reports,
    rota,
    scope,
    voice,
)

admin.site.site_header = _("Extended-hours service · administration")
admin.site.site_title = _("Extended-hours service")
admin.site.index_title = _("Street office administration")

__all__ = [
    "booking",
    "catalogue",
    "desk",
    "hours",
    "organisation",
    "queue",
    "reports",
    "rota",
    "scope",
    "voice",
]
