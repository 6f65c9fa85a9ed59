"""Admin for street offices, communities and staff."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from desks.admin.hours import WarnsOfMissingHolidays, WeeklyWindowInline
from desks.admin.scope import OutOfScopeIs404
from desks.hours import DEFAULT_WEEK
from desks.models import (
    Community,
    StreetOffice,
    User,
    Weekday,
)


@admin.register(StreetOffice)
class StreetOfficeAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "slug", "phone", "holiday_rule", "working_weekend_rule")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
    inlines = (WeeklyWindowInline,)

    def get_readonly_fields(self, request, obj=None):
        # Its staff set its hours and rules; its name and address (/?office=<slug>) stay.
        followers = ("default_week",) if obj is not None else ()
        if request.user.is_superuser:
            return followers
        return ("name", "slug", *followers)

    @admin.display(description=_("default week"))
    def default_week(self, office):
        """What the office's weekly windows below mean, and for whom."""
        following = [c.name for c in office.communities.filter(weekly_windows__isnull=True)]
        if office.weekly_windows.exists():
            week = _("The windows below are the default week of this street office.")
        else:
            week = _(
                "This street office has no windows of its own, so the built-in week applies: "
                "%(week)s. Add windows below to set its own default week."
            ) % {"week": _describe(DEFAULT_WEEK)}
        if following:
            who = _("Communities that follow it (they have no windows of their own): %(names)s.")
            who %= {"names": "、".join(following)}
        else:
            who = _("Every community of this street office has windows of its own.")
        return format_html("{}<br>{}", week, who)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Their own office (even before it has a community), and the offices of the
        # communities they see.
        own = Q(pk=request.user.street_office_id) if request.user.street_office_id else Q()
        visible = Q(communities__in=Community.objects.visible_to(request.user))
        return queryset.filter(own | visible if own else visible).distinct()


def _describe(week) -> str:
    """A week of windows as one line: each day and its windows."""
    parts = []
    for day, windows in week.items():
        hours = ", ".join(str(window) for window in windows) or pgettext("opening hours", "closed")
        parts.append(f"{Weekday(day).label} {hours}")
    return "；".join(parts)


@admin.register(Community)
class CommunityAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "street_office", "address", "phone", "workers_per_slot")
    list_filter = (("street_office", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("street_office",)
    search_fields = ("name", "slug", "address")
    inlines = (WeeklyWindowInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # Moving a community to another street office hands its residents to other staff.
        if request.user.is_superuser:
            return ()
        return ("street_office", "slug")


@admin.register(User)
class StaffAdmin(OutOfScopeIs404, UserAdmin):
    list_display = ("username", "display_name", "role", "community", "street_office", "is_active")
    list_filter = ("role", ("community", admin.RelatedOnlyFieldListFilter), "is_active")
    list_select_related = ("community", "street_office")
    # Not by phone: a search goes into the URL (?q=), and so into access logs.
    search_fields = ("username", "first_name", "last_name")
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
