from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from desks.hours import years_missing_arrangement
from desks.models import (
    CalendarDay,
    Community,
    DateOverride,
    ServiceCategory,
    ServiceItem,
    StreetOffice,
    User,
    WeeklyWindow,
)

admin.site.site_header = _("Extended-hours service · administration")
admin.site.site_title = _("Extended-hours service")
admin.site.index_title = _("Street office administration")


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


@admin.register(StreetOffice)
class StreetOfficeAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "slug", "phone", "holiday_rule")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
    inlines = (WeeklyWindowInline,)


@admin.register(Community)
class CommunityAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "street_office", "address", "phone", "workers_per_slot")
    list_filter = ("street_office",)
    list_select_related = ("street_office",)
    search_fields = ("name", "slug", "address")
    inlines = (WeeklyWindowInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CalendarDay)
class CalendarDayAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(DateOverride)
class DateOverrideAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "community", "street_office", "start", "end", "reason")
    list_filter = ("street_office", "community")
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


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "community", "street_office", "is_active")
    list_filter = ("role", "community__street_office", "community", "is_active")
    list_select_related = ("community", "street_office")
    search_fields = ("username", "first_name", "last_name", "phone")
    filter_horizontal = ("trained_categories", "groups", "user_permissions")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Duty"),
            {"fields": ("role", "community", "street_office", "phone", "trained_categories")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Duty"), {"fields": ("role", "community", "street_office", "first_name", "last_name")}),
    )

    @admin.display(description=_("name"), ordering="last_name")
    def display_name(self, user):
        return user.display_name

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        communities = Community.objects.visible_to(request.user)
        return queryset.filter(community__in=communities)


class ServiceItemInline(admin.TabularInline):
    model = ServiceItem
    fields = ("name", "finishable_at_desk", "offered_in_extended_hours", "is_active", "position")
    extra = 0
    show_change_link = True


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "position")
    list_editable = ("position",)
    inlines = (ServiceItemInline,)


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "category",
        "finishable_at_desk",
        "offered_in_extended_hours",
        "is_active",
    )
    list_filter = ("category", "finishable_at_desk", "offered_in_extended_hours", "is_active")
    list_select_related = ("category",)
    search_fields = ("name", "summary", "materials")
    fieldsets = (
        (None, {"fields": ("category", "name", "summary", "position", "is_active")}),
        (_("Service guide"), {"fields": ("materials", "steps", "finishable_at_desk")}),
        (_("Extended hours"), {"fields": ("offered_in_extended_hours",)}),
    )
