"""Admin for the service catalogue: categories, items and their guides."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from desks.models import (
    ServiceCategory,
    ServiceItem,
)


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
        "bookable",
        "is_active",
    )
    list_filter = ("category", "finishable_at_desk", "offered_in_extended_hours", "is_active")
    list_select_related = ("category",)
    search_fields = ("name", "summary", "materials")
    fieldsets = (
        (None, {"fields": ("category", "name", "summary", "position", "is_active")}),
        (_("Service guide"), {"fields": ("materials", "steps", "finishable_at_desk")}),
        (
            _("Extended hours"),
            {"fields": ("offered_in_extended_hours", "bookable", "booking_limit")},
        ),
    )
