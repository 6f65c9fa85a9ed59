from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from desks.core.dates import Month
from desks.hours import years_missing_arrangement
from desks.models import (
    Absence,
    Assignment,
    CalendarDay,
    CallBack,
    Community,
    CompLeave,
    DateOverride,
    DutySlot,
    ExportRecord,
    FollowUp,
    MenuItem,
    Rating,
    RequestChange,
    Role,
    RotaMonth,
    ServiceCategory,
    ServiceItem,
    ServiceRequest,
    StreetOffice,
    SwapRequest,
    User,
    Vote,
    VotingRound,
    WeeklyWindow,
)
from desks.rota.comp_time import approve_leave
from desks.rota.duty import RotaError, assign, check_assignable, confirm_served, unassign
from desks.rota.planning import generate_month, publish, rota_csv, shortfall_reason
from desks.voice import feedback

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

    def get_readonly_fields(self, request, obj=None):
        # Moving a community to another street office hands its residents to other staff.
        if request.user.is_superuser:
            return ()
        return ("street_office", "slug")


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


# The rota ------------------------------------------------------------------


class GenerateRotaForm(forms.Form):
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.none())
    month = forms.CharField(label=_("month"), max_length=7, help_text=_("YYYY-MM, e.g. 2026-05."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.visible_to(user)

    def clean_month(self):
        try:
            return Month.parse(self.cleaned_data["month"].strip()).first_day
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def _visible_community_filter(request, path="community"):
    """Rows of the communities `request.user` may see (all of them for a superuser)."""
    if request.user.is_superuser:
        return Q()
    return Q(**{f"{path}__in": Community.objects.visible_to(request.user)})


@admin.register(RotaMonth)
class RotaMonthAdmin(admin.ModelAdmin):
    """Generate, review, publish and export a month's rota."""

    list_display = (
        "month_label",
        "community",
        "state",
        "short_slots",
        "generated_at",
        "published_by",
    )
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("community", "published_by")
    actions = ("publish_selected", "regenerate_selected", "export_selected")
    readonly_fields = (
        "community",
        "month",
        "generated_at",
        "published_at",
        "published_by",
        "shortfall_reasons",
        "rota_table",
    )
    fields = readonly_fields
    change_list_template = "admin/desks/rotamonth/change_list.html"
    change_form_template = "admin/desks/rotamonth/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(_visible_community_filter(request))

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "generate/",
                self.admin_site.admin_view(self.generate_view),
                name="desks_rotamonth_generate",
            ),
            path(
                "<int:pk>/export.csv",
                self.admin_site.admin_view(self.export_view),
                name="desks_rotamonth_export",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, rota_month):
        return f"{rota_month.month:%Y-%m}"

    @admin.display(description=_("state"), ordering="published_at")
    def state(self, rota_month):
        return _("published") if rota_month.is_published else _("draft")

    @admin.display(description=_("slots left short"))
    def short_slots(self, rota_month):
        return len(rota_month.shortfalls)

    @admin.display(description=_("why slots are short"))
    def shortfall_reasons(self, rota_month):
        reasons = [shortfall_reason(entry) for entry in rota_month.shortfalls]
        if not reasons:
            return _("Every slot is filled.")
        return format_html_join(mark_safe("<br>"), "{}", ((reason,) for reason in reasons))

    @admin.display(description=_("rota"))
    def rota_table(self, rota_month):
        slots = (
            DutySlot.objects.filter(
                community=rota_month.community,
                date__range=(rota_month.month, Month.containing(rota_month.month).last_day),
            )
            .prefetch_related(
                Prefetch("assignments", queryset=Assignment.objects.select_related("worker"))
            )
            .order_by("starts_at")
        )
        return render_to_string(
            "admin/desks/rotamonth/rota_table.html", {"slots": slots, "rota_month": rota_month}
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_generate": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rota_month = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_export": rota_month is not None
            and request.user.has_perm("desks.export_rotamonth"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def generate_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GenerateRotaForm(request.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            community, month = form.cleaned_data["community"], form.cleaned_data["month"]
            try:
                result = generate_month(community, month, timezone.now())
            except RotaError as error:
                form.add_error(None, error.message)
            else:
                self._report(request, result)
                return redirect("admin:desks_rotamonth_change", result.rota_month.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Generate a month's rota"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/desks/rotamonth/generate.html", context)

    def _report(self, request, result):
        messages.success(
            request,
            _("%(month)s: %(slots)d slots, %(assigned)d assignments made.")
            % {"month": result.rota_month, "slots": len(result.slots), "assigned": result.assigned},
        )
        for reason in result.reasons:
            messages.warning(request, reason)

    def export_view(self, request, pk):
        if not request.user.has_perm("desks.export_rotamonth"):
            raise PermissionDenied
        rota_month = get_object_or_404(self.get_queryset(request), pk=pk)
        return _csv_response(
            [rota_month.community],
            rota_month.month,
            f"rota-{rota_month.community.slug}-{rota_month.month:%Y-%m}.csv",
        )

    @admin.action(description=_("Publish the selected months"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        now = timezone.now()
        for rota_month in queryset.select_related("community"):
            try:
                publish(rota_month, request.user, now)
            except RotaError as error:
                messages.error(request, f"{rota_month}: {error.message}")
            else:
                messages.success(request, _("%(month)s is published.") % {"month": rota_month})

    def has_publish_permission(self, request):
        return request.user.has_perm("desks.publish_rotamonth")

    @admin.action(description=_("Regenerate the selected drafts"), permissions=["add"])
    def regenerate_selected(self, request, queryset):
        now = timezone.now()
        for rota_month in queryset.select_related("community"):
            try:
                self._report(request, generate_month(rota_month.community, rota_month.month, now))
            except RotaError as error:
                messages.error(request, error.message)

    @admin.action(description=_("Export the selected months as CSV"), permissions=["export"])
    def export_selected(self, request, queryset):
        months = {rota_month.month for rota_month in queryset}
        if len(months) != 1:
            messages.error(request, _("Choose months of one calendar month to export together."))
            return None
        communities = [rota_month.community for rota_month in queryset.select_related("community")]
        month = months.pop()
        return _csv_response(communities, month, f"rota-{month:%Y-%m}.csv")

    def has_export_permission(self, request):
        return request.user.has_perm("desks.export_rotamonth")


def _csv_response(communities, month, filename):
    response = HttpResponse(rota_csv(communities, month), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AssignmentInline(admin.TabularInline):
    """Who is on the slot; changes go through the Assignment admin, which keeps the rules."""

    model = Assignment
    fields = ("worker", "lent_by", "checked_in_at", "checked_out_at", "confirmed_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

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
        ("community", admin.RelatedOnlyFieldListFilter),
        ("closed_at", admin.EmptyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("request__service_item", "owner")
    date_hierarchy = "due_on"
    raw_id_fields = ("request",)

    def get_queryset(self, request):
        communities = Community.objects.visible_to(request.user)
        return super().get_queryset(request).filter(community__in=communities)


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


@admin.register(DutySlot)
class DutySlotAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "workers_needed", "on_duty")
    list_filter = ("community", "kind")
    date_hierarchy = "date"
    fields = (
        "community",
        "date",
        "starts_at",
        "ends_at",
        "kind",
        "workers_needed",
        "handover_note",
    )
    readonly_fields = ("community", "date", "starts_at", "ends_at", "kind", "workers_needed")
    inlines = (AssignmentInline,)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("community")
        return queryset.filter(_visible_community_filter(request)).prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("worker"))
        )

    def has_add_permission(self, request):
        return False  # slots come from the opening hours (generate a month)

    @admin.display(description=_("on duty"))
    def on_duty(self, slot):
        return "、".join(a.worker.display_name for a in slot.assignments.all()) or "—"


class AssignmentForm(forms.ModelForm):
    """Putting someone on a slot by hand obeys the same rules as generation and swaps."""

    class Meta:
        model = Assignment
        fields = ("slot", "worker", "lent_by")

    user = None  # set by AssignmentAdmin.get_form: whose rights the form checks

    def clean(self):
        cleaned = super().clean()
        slot, lent_by = cleaned.get("slot"), cleaned.get("lent_by")
        if self.instance.pk is None and slot and self.user and not self.user.is_superuser:
            if not Community.objects.visible_to(self.user).filter(pk=slot.community_id).exists():
                raise forms.ValidationError(_("That slot is not in a community you answer for."))
            if lent_by is not None and lent_by.pk != self.user.pk:
                raise forms.ValidationError(_("Only you can lend a worker, as yourself."))
            if slot.starts_at <= timezone.now():
                raise forms.ValidationError(_("That slot has already started."))
        if self.instance.pk is None and cleaned.get("slot") and cleaned.get("worker"):
            try:
                check_assignable(cleaned["slot"], cleaned["worker"], lent_by=cleaned.get("lent_by"))
            except RotaError as error:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ("slot", "worker", "served", "checked_in_at", "confirmed_by")
    list_filter = ("slot__community", "slot__kind")
    list_select_related = ("slot__community", "worker", "confirmed_by")
    date_hierarchy = "starts_at"
    search_fields = ("worker__username", "worker__last_name", "worker__first_name")
    raw_id_fields = ("slot", "worker", "lent_by")
    actions = ("confirm_selected",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(_visible_community_filter(request, "slot__community"))
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("slot", "worker", "lent_by", "checked_in_at", "checked_out_at", "confirmed_by")

    @admin.display(description=_("served"), boolean=True)
    def served(self, assignment):
        return assignment.is_served

    def save_model(self, request, obj, form, change):
        if not change:
            form.instance = obj = assign(obj.slot, obj.worker, lent_by=obj.lent_by)

    def delete_model(self, request, obj):
        unassign(obj.slot, obj.worker)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("slot", "worker"):
            unassign(assignment.slot, assignment.worker)

    @admin.action(description=_("Confirm the selected duty as served"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        now = timezone.now()
        for assignment in queryset.select_related("slot"):
            try:
                confirm_served(assignment, request.user, now)
            except RotaError as error:
                messages.error(request, f"{assignment}: {error.message}")


class WorkerChoiceAdmin(admin.ModelAdmin):
    """Offers only workers of the communities the user may see."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "worker":
            kwargs["queryset"] = User.objects.filter(
                role__in=[Role.WORKER, Role.HEAD],
                community__in=Community.objects.visible_to(request.user),
            ).order_by("community", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(_visible_community_filter(request, "worker__community"))
        )


@admin.register(Absence)
class AbsenceAdmin(WorkerChoiceAdmin):
    list_display = ("worker", "kind", "first_day", "last_day", "reason")
    list_filter = ("kind", "worker__community")
    list_select_related = ("worker",)
    date_hierarchy = "first_day"


@admin.register(CompLeave)
class CompLeaveAdmin(WorkerChoiceAdmin):
    """Comp leave entered here by a head is approved at once, if the balance covers it."""

    list_display = ("worker", "date", "hours", "status", "decided_by")
    list_filter = ("status", "worker__community")
    list_select_related = ("worker", "decided_by")
    fields = ("worker", "date", "hours", "reason")
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        obj.created_at = now
        obj.save()
        try:
            approve_leave(obj, request.user, now)
        except RotaError as error:
            messages.warning(request, error.message)


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ("slot", "requester", "colleague", "other_slot", "status", "decided_by")
    list_filter = ("status", "slot__community")
    list_select_related = ("slot__community", "requester", "colleague", "other_slot", "decided_by")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(_visible_community_filter(request, "slot__community"))
        )

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
            feedback.use_top(voting_round)
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
