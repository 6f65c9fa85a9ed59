from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from desks import voice
from desks.hours import years_missing_arrangement
from desks.models import (
    CalendarDay,
    CallBack,
    Community,
    DateOverride,
    ExportRecord,
    FollowUp,
    MenuItem,
    Rating,
    RequestChange,
    ServiceCategory,
    ServiceItem,
    ServiceRequest,
    StreetOffice,
    User,
    Vote,
    VotingRound,
    WeeklyWindow,
)

admin.site.site_header = _("Extended-hours service · administration")
admin.site.site_title = _("Extended-hours service")
admin.site.index_title = _("Street office administration")


class OutOfScopeIs404:
    """An object outside the user's scope answers 404, not the admin's friendly redirect.

    get_queryset decides the scope; editing an id in the URL reveals nothing.
    """

    def _in_scope_or_404(self, request, object_id):
        if object_id and not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


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
class StreetOfficeAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "slug", "phone", "holiday_rule")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
    inlines = (WeeklyWindowInline,)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            communities__in=Community.objects.visible_to(request.user)
        ).distinct()


@admin.register(Community)
class CommunityAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("name", "street_office", "address", "phone", "workers_per_slot")
    list_filter = (("street_office", admin.RelatedOnlyFieldListFilter),)
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


@admin.register(User)
class StaffAdmin(OutOfScopeIs404, UserAdmin):
    list_display = ("username", "display_name", "role", "community", "street_office", "is_active")
    list_filter = ("role", ("community", admin.RelatedOnlyFieldListFilter), "is_active")
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


class RequestChangeInline(admin.TabularInline):
    model = RequestChange
    fields = ("changed_at", "action", "changed_by", "changes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = (
        "logged_at",
        "community",
        "service_item",
        "outcome",
        "channel",
        "count",
        "logged_by",
        "extended_hours",
        "deleted_at",
    )
    list_filter = (
        ("community", admin.RelatedOnlyFieldListFilter),
        "service_item__category",
        ("service_item", admin.RelatedOnlyFieldListFilter),
        "outcome",
        "channel",
        ("slot", admin.EmptyFieldListFilter),
        ("deleted_at", admin.EmptyFieldListFilter),
        ("logged_by", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("community", "service_item", "logged_by")
    date_hierarchy = "logged_at"
    search_fields = ("service_item__name", "notes")
    readonly_fields = (
        "logged_at",
        "logged_by",
        "slot",
        "idempotency_key",
        "deleted_at",
        "community",
    )
    raw_id_fields = ("resident",)
    inlines = (RequestChangeInline,)

    @admin.display(description=_("extended hours"), boolean=True, ordering="slot")
    def extended_hours(self, request):
        return request.slot_id is not None

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(FollowUp)
class FollowUpAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("request", "owner", "due_on", "created_at", "closed_at")
    list_filter = (
        ("request__community", admin.RelatedOnlyFieldListFilter),
        ("closed_at", admin.EmptyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("request__service_item", "owner")
    date_hierarchy = "due_on"
    raw_id_fields = ("request",)

    def get_queryset(self, request):
        communities = Community.objects.visible_to(request.user)
        return super().get_queryset(request).filter(request__community__in=communities)


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Read-only: an export record is evidence, so nobody edits or deletes it here."""

    list_display = ("exported_at", "user", "what", "file_format", "ip_address")
    list_filter = ("file_format",)
    list_select_related = ("user",)
    date_hierarchy = "exported_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Residents' voice: voting rounds and the evening menu (点单), ratings and call-backs (好差评).


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    fields = ("service_item", "position")
    extra = 0
    autocomplete_fields = ("service_item",)


@admin.register(VotingRound)
class VotingRoundAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("title", "community", "opens_at", "closes_at", "is_open_now", "votes_count")
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("community",)
    fields = ("community", "title", "opens_at", "closes_at", "ranking")
    readonly_fields = ("ranking",)
    inlines = (MenuItemInline,)
    actions = ("open_now", "close_now", "use_top_eight")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(votes_count=Count("votes"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = Community.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("open now"), boolean=True)
    def is_open_now(self, voting_round):
        return voting_round.is_open(timezone.now())

    @admin.display(description=_("votes"), ordering="votes_count")
    def votes_count(self, voting_round):
        return voting_round.votes_count

    @admin.display(description=_("ranking"))
    def ranking(self, voting_round):
        if not voting_round.pk:
            return "-"
        ranked = voting_round.ranking()
        unmapped = voting_round.votes.filter(service_item__isnull=True).count()
        listing = format_html_join(
            "", "<li>{} — {}</li>", ((item.name, item.votes_count) for item in ranked)
        )
        note = (
            format_html(
                "<p>{}</p>",
                ngettext(
                    "%(count)d wish not mapped to a service item yet (see Votes).",
                    "%(count)d wishes not mapped to a service item yet (see Votes).",
                    unmapped,
                )
                % {"count": unmapped},
            )
            if unmapped
            else ""
        )
        return format_html("<ol>{}</ol>{}", listing, note)

    @admin.action(description=_("Open the selected rounds now"))
    def open_now(self, request, queryset):
        now = timezone.now()
        for voting_round in queryset:
            voting_round.opens_at = min(voting_round.opens_at, now)
            voting_round.closes_at = None
            voting_round.save(update_fields=["opens_at", "closes_at"])
        self.message_user(request, _("The selected rounds are open."), messages.SUCCESS)

    @admin.action(description=_("Close the selected rounds now"))
    def close_now(self, request, queryset):
        now = timezone.now()
        for voting_round in queryset.filter(opens_at__lt=now).open_at(now):
            voting_round.closes_at = now
            voting_round.save(update_fields=["closes_at"])
        self.message_user(request, _("The selected rounds are closed."), messages.SUCCESS)

    @admin.action(description=_("Use the top 8 as the evening menu"))
    def use_top_eight(self, request, queryset):
        for voting_round in queryset:
            voice.use_top(voting_round)
        self.message_user(
            request,
            _("The evening menu of the selected rounds is now their 8 most voted services."),
            messages.SUCCESS,
        )


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Staff map residents' free-text wishes to a service item here."""

    list_display = ("created_at", "round", "wish", "service_item")
    list_editable = ("service_item",)
    list_filter = (
        ("round", admin.RelatedOnlyFieldListFilter),
        ("service_item", admin.EmptyFieldListFilter),
    )
    list_select_related = ("round__community", "service_item")
    readonly_fields = ("round", "wish", "created_at")
    fields = ("round", "wish", "service_item", "created_at")
    search_fields = ("wish",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(round__community__in=Community.objects.visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False


@admin.register(Rating)
class RatingAdmin(OutOfScopeIs404, admin.ModelAdmin):
    """Read-only: a rating is the resident's word."""

    list_display = ("rated_at", "community", "service_item", "level", "comment")
    list_filter = (("request__community", admin.RelatedOnlyFieldListFilter), "level")
    list_select_related = ("request__community", "request__service_item")
    date_hierarchy = "rated_at"

    @admin.display(description=_("community"), ordering="request__community")
    def community(self, rating):
        return rating.request.community

    @admin.display(description=_("service item"))
    def service_item(self, rating):
        return rating.request.service_item

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(request__community__in=Community.objects.visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CallBack)
class CallBackAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("rating", "owner", "due_on", "created_at", "closed_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("rating__request__service_item", "owner")
    date_hierarchy = "due_on"
    raw_id_fields = ("rating",)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
