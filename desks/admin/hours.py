"""Admin for opening hours: weekly windows, date overrides and national calendar days."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from desks.admin.scope import OutOfScopeIs404
from desks.hours import years_missing_arrangement
from desks.models import (
    CalendarDay,
    Community,
    DateOverride,
    StreetOffice,
    WeeklyWindow,
)


class WarnsOfMissingHolidays:
    """Change lists that decide hours warn when the coming months' holidays are unknown."""

    def changelist_view(self, request, extra_context=None):
        if years := years_missing_arrangement(timezone.localdate()):
            listed = ", ".join(str(year) for year in years)
            messages.warning(
                request,
                ngettext(
                    "The official holiday arrangement for %(years)s is not loaded yet: "
                    "statutory holidays and working weekends may be wrong. Enter the "
                    "State Council's arrangement under National calendar days.",
                    "The official holiday arrangements for %(years)s are not loaded yet: "
                    "statutory holidays and working weekends may be wrong. Enter the "
                    "State Council's arrangements under National calendar days.",
                    len(years),
                )
                % {"years": listed},
            )
        return super().changelist_view(request, extra_context)


class WeeklyWindowInline(admin.TabularInline):
    model = WeeklyWindow
    fields = ("weekday", "start", "end")
    extra = 0


@admin.register(CalendarDay)
class CalendarDayAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(DateOverride)
class DateOverrideAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "community", "street_office", "start", "end", "reason")
    list_filter = (
        ("street_office", admin.RelatedOnlyFieldListFilter),
        ("community", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("community", "street_office")
    date_hierarchy = "date"
    search_fields = ("reason",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = Q(community__in=Community.objects.visible_to(request.user))
        if request.user.street_office_id:
            visible |= Q(street_office=request.user.street_office_id)
        return queryset.filter(visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only places the user answers for: their communities, their own street office.
        if not request.user.is_superuser:
            if db_field.name == "community":
                kwargs["queryset"] = Community.objects.visible_to(request.user)
            elif db_field.name == "street_office":
                kwargs["queryset"] = StreetOffice.objects.filter(pk=request.user.street_office_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
