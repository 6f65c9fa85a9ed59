"""Admin for the record of exports (the report pages live in desks.views.reports)."""

from django.contrib import admin
from django.db.models import Q

from desks.models import (
    Community,
    ExportRecord,
)


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Read-only: an export record is evidence, so nobody edits or deletes it here."""

    list_display = ("exported_at", "user", "what", "file_format", "ip_address")
    list_filter = ("file_format",)
    list_select_related = ("user",)
    date_hierarchy = "exported_at"

    def get_queryset(self, request):
        """Exports by people of the user's own street office or community only."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        communities = Community.objects.visible_to(request.user)
        by_office = (
            Q(user__street_office=request.user.street_office_id)
            if (request.user.street_office_id)
            else Q(pk__in=[])
        )
        return queryset.filter(Q(user__community__in=communities) | by_office)
