from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from desks.models import Community, ServiceCategory, ServiceItem, StreetOffice, User


@admin.register(StreetOffice)
class StreetOfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "phone")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "street_office", "address", "phone", "workers_per_slot")
    list_filter = ("street_office",)
    list_select_related = ("street_office",)
    search_fields = ("name", "slug", "address")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


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
