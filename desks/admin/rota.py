"""Admin for the rota: months, slots, assignments, leave, comp leave and swaps."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from desks.admin.hours import missing_arrangement_warning, provisional_month_warning
from desks.admin.scope import visible_community_filter
from desks.core.client import client_ip
from desks.core.dates import Month
from desks.models import (
    Absence,
    Assignment,
    Community,
    CompLeave,
    DutySlot,
    RotaMonth,
    SwapRequest,
    User,
)
from desks.rota import wall
from desks.rota.comp_time import approve_leave, check_leave_day, refuse_leave
from desks.rota.duty import (
    RotaError,
    RulesBroken,
    assign,
    check_assignable,
    confirm_served,
    unassign,
)
from desks.rota.planning import PUBLISHING_MEANS, generate_month, publish, shortfall_reason
from desks.rota.quality import quality
from desks.rota.rules import ONLY_HEADS_OVERRIDE, may_override


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
    actions = (
        "publish_selected",
        "regenerate_selected",
        "print_selected",
        "export_selected",
        "export_selected_xlsx",
    )
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
        return super().get_queryset(request).filter(visible_community_filter(request))

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
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="desks_rotamonth_publish",
            ),
            path(
                "<int:pk>/export.csv",
                self.admin_site.admin_view(self.export_view),
                name="desks_rotamonth_export",
            ),
            path(
                "<int:pk>/export.xlsx",
                self.admin_site.admin_view(self.export_view),
                {"file_format": "xlsx"},
                name="desks_rotamonth_export_xlsx",
            ),
            path(
                "print/",
                self.admin_site.admin_view(self.print_view),
                name="desks_rotamonth_print",
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
            .with_staffing()
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
            "can_publish": rota_month is not None
            and rota_month.generated_at is not None
            and not rota_month.is_published
            and self._may_publish(request, rota_month),
            "publishing_means": PUBLISHING_MEANS,
            "quality": rota_month and quality(rota_month),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _may_publish(self, request, rota_month):
        return self.has_publish_permission(request) and (
            request.user.is_superuser or request.user.is_head_of(rota_month.community_id)
        )

    def publish_view(self, request, pk):
        """The month page's 发布 button: a POST asks to confirm, a POST with `confirm` publishes."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        rota_month = get_object_or_404(
            self.get_queryset(request).select_related("community"), pk=pk
        )
        if not self._may_publish(request, rota_month):
            raise PermissionDenied
        if "confirm" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "title": _("Publish %(month)s?") % {"month": rota_month},
                "rota_month": rota_month,
                "publishing_means": PUBLISHING_MEANS,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/desks/rotamonth/publish.html", context)
        try:
            publish(rota_month, request.user, timezone.now())
        except RotaError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(month)s is published: its workers see it now.") % {"month": rota_month},
            )
        return redirect("admin:desks_rotamonth_change", rota_month.pk)

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
                if warning := provisional_month_warning(request.user, month):
                    messages.warning(request, warning)
                return redirect("admin:desks_rotamonth_change", result.rota_month.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Generate a month's rota"),
            "holiday_warning": missing_arrangement_warning(request.user, timezone.localdate()),
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

    def export_view(self, request, pk, file_format="csv"):
        if not self.has_export_permission(request):
            raise PermissionDenied
        rota_month = get_object_or_404(self._wall_months(request), pk=pk)
        return _download(request, [rota_month], file_format)

    def print_view(self, request):
        """The grids of the months `?id=` names, one A4 page each; out of scope is a 404."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        ids = request.GET.getlist("id")
        # At most 18 digits: a bigger number is no pk, and the database would refuse it.
        if not ids or not all(pk.isascii() and pk.isdigit() and len(pk) <= 18 for pk in ids):
            return HttpResponseBadRequest(_("Choose the months to print (id=…, numbers)."))
        rota_months = list(self._wall_months(request).filter(pk__in=ids))
        if len(rota_months) != len(set(map(int, ids))):
            raise Http404
        grids = wall.wall_grids(rota_months)
        now = timezone.now()
        wall.record_export(request.user, grids, wall.PRINTED, client_ip(request), now)
        context = {
            "grids": grids,
            "now": now,
            "back_url": reverse("admin:desks_rotamonth_changelist"),
        }
        response = TemplateResponse(request, "rota/wall.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    def _wall_months(self, request):
        return self.get_queryset(request).select_related("community__street_office")

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

    @admin.action(description=_("Print the selected months for the wall"), permissions=["export"])
    def print_selected(self, request, queryset):
        ids = sorted(queryset.values_list("pk", flat=True))
        query = urlencode([("id", pk) for pk in ids])
        return redirect(f"{reverse('admin:desks_rotamonth_print')}?{query}")

    @admin.action(description=_("Export the selected months as CSV"), permissions=["export"])
    def export_selected(self, request, queryset):
        return _download(request, queryset.select_related("community__street_office"), "csv")

    @admin.action(description=_("Export the selected months as XLSX"), permissions=["export"])
    def export_selected_xlsx(self, request, queryset):
        return _download(request, queryset.select_related("community__street_office"), "xlsx")

    def has_export_permission(self, request):
        return request.user.has_perm("desks.export_rotamonth")


def _download(request, rota_months, file_format):
    """The months as a file for the wall, recorded as an export like a report's."""
    grids = wall.wall_grids(rota_months)
    download = wall.wall_file(grids, file_format)
    wall.record_export(request.user, grids, file_format, client_ip(request), timezone.now())
    return HttpResponse(
        download.content,
        content_type=download.content_type,
        headers={
            "Content-Disposition": content_disposition_header(True, download.filename),
            "Cache-Control": "no-store",
        },
    )


class AssignmentInline(admin.TabularInline):
    """Who is on the slot; changes go through the Assignment admin, which keeps the rules."""

    model = Assignment
    fields = (
        "worker",
        "lent_by",
        "checked_in_at",
        "checked_out_at",
        "confirmed_by",
        "overridden_by",
        "override_reason",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


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
        assignments = Assignment.objects.select_related("worker", "overridden_by")
        return queryset.filter(visible_community_filter(request)).prefetch_related(
            Prefetch("assignments", queryset=assignments)
        )

    def has_add_permission(self, request):
        return False  # slots come from the opening hours (generate a month)

    @admin.display(description=_("on duty"))
    def on_duty(self, slot):
        return "、".join(a.worker.display_name for a in slot.assignments.all()) or "—"


class AssignmentForm(forms.ModelForm):
    """Putting someone on a slot by hand obeys the same rules as generation and swaps
    (desks.rota.rules); a head may override the softer ones with a reason."""

    class Meta:
        model = Assignment
        fields = ("slot", "worker", "lent_by", "override_reason")
        help_texts = {
            "override_reason": _(
                "Only when the rules refuse (leave, another slot that day): why this worker "
                "goes on the slot anyway. Recorded with your name."
            ),
        }

    user = None  # set by AssignmentAdmin.get_form: whose rights the form checks

    def clean(self):
        cleaned = super().clean()
        slot, worker, lent_by = cleaned.get("slot"), cleaned.get("worker"), cleaned.get("lent_by")
        if self.instance.pk is None and slot and self.user and not self.user.is_superuser:
            if not Community.objects.visible_to(self.user).filter(pk=slot.community_id).exists():
                raise forms.ValidationError(_("That slot is not in a community you answer for."))
            if lent_by is not None and lent_by.pk != self.user.pk:
                raise forms.ValidationError(_("Only you can lend a worker, as yourself."))
            if slot.starts_at <= timezone.now():
                raise forms.ValidationError(_("That slot has already started."))
        if self.instance.pk is None and slot and worker:
            self._check_rules(slot, worker, lent_by, cleaned.get("override_reason", "").strip())
        return cleaned

    def _check_rules(self, slot, worker, lent_by, reason):
        try:
            check_assignable(slot, worker, lent_by=lent_by)
        except RulesBroken as broken:
            errors = [problem.message for problem in broken.problems]
            if not broken.overridable:
                raise forms.ValidationError(errors) from None
            if not reason:
                errors.append(_("To put them on anyway, give the reason for overriding the rules."))
                raise forms.ValidationError(errors) from None
            if self.user is None or not may_override(self.user, slot):
                errors.append(ONLY_HEADS_OVERRIDE)
                raise forms.ValidationError(errors) from None


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ("slot", "worker", "served", "checked_in_at", "confirmed_by", "override")
    list_filter = ("slot__community", "slot__kind")
    list_select_related = ("slot__community", "worker", "confirmed_by", "overridden_by")
    date_hierarchy = "starts_at"
    search_fields = ("worker__username", "worker__last_name", "worker__first_name")
    raw_id_fields = ("slot", "worker", "lent_by")
    actions = ("confirm_selected",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(visible_community_filter(request, "slot__community"))
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "slot",
            "worker",
            "lent_by",
            "checked_in_at",
            "checked_out_at",
            "confirmed_by",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "rules_overridden",
        )

    @admin.display(description=_("served"), boolean=True)
    def served(self, assignment):
        return assignment.is_served

    @admin.display(description=_("rules overridden"))
    def override(self, assignment):
        if not assignment.is_override:
            return "—"
        return _("%(name)s: %(reason)s") % {
            "name": assignment.overridden_by.display_name,
            "reason": assignment.override_reason,
        }

    @admin.display(description=_("what the rules said"))
    def rules_overridden(self, assignment):
        if not assignment.overridden_rules:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{}", ((rule,) for rule in assignment.overridden_rules)
        )

    def save_model(self, request, obj, form, change):
        if not change:
            form.instance = obj = assign(
                obj.slot,
                obj.worker,
                lent_by=obj.lent_by,
                override_reason=form.cleaned_data.get("override_reason", ""),
                by=request.user,
            )

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
            # A community's staff are its workers and heads (the user_role_matches_affiliation
            # constraint); unlike duty_workers() this keeps inactive ones, whose absences and
            # comp leave stay editable.
            kwargs["queryset"] = User.objects.filter(
                community__in=Community.objects.visible_to(request.user)
            ).order_by("community", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(visible_community_filter(request, "worker__community"))
        )


@admin.register(Absence)
class AbsenceAdmin(WorkerChoiceAdmin):
    list_display = ("worker", "kind", "first_day", "last_day", "reason")
    list_filter = ("kind", "worker__community")
    list_select_related = ("worker",)
    date_hierarchy = "first_day"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Leave recorded after the rota was made: say which duty it touches, now.
        on_duty = (
            Assignment.objects.live()
            .filter(worker=obj.worker, slot__date__range=(obj.first_day, obj.last_day))
            .filter(ends_at__gt=timezone.now(), overridden_by__isnull=True)
            .select_related("slot")
            .order_by("starts_at")
        )
        for assignment in on_duty:
            messages.warning(
                request,
                _(
                    "%(worker)s is on the rota on %(slot)s: find a stand-in, or keep them "
                    "with a reason. The rota's conflicts page lists it until then."
                )
                % {"worker": obj.worker.display_name, "slot": assignment.slot},
            )


@admin.register(CompLeave)
class CompLeaveAdmin(WorkerChoiceAdmin):
    """Comp leave entered here by a head (for a head, by their street office) is approved
    at once, if the balance covers it; requested leave is approved or refused by action."""

    list_display = ("worker", "date", "hours", "status", "decided_by")
    list_filter = ("status", "worker__community")
    list_select_related = ("worker", "decided_by")
    fields = ("worker", "date", "hours", "reason")
    date_hierarchy = "date"
    actions = ("approve_selected", "refuse_selected")

    def has_change_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class CompLeaveForm(form):
            def clean_date(self):
                day = self.cleaned_data["date"]
                try:
                    check_leave_day(day, timezone.now())
                except RotaError as error:
                    raise forms.ValidationError(error.message) from None
                return day

        if "hours" in CompLeaveForm.base_fields:  # as the desk's own comp-leave form says
            CompLeaveForm.base_fields["hours"].label = _("Hours of leave")
        return CompLeaveForm

    @admin.action(description=_("Approve the selected comp leave"))
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, approve_leave, _("Comp leave approved."))

    @admin.action(description=_("Refuse the selected comp leave"))
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, refuse_leave, _("Comp leave refused."))

    def _decide(self, request, queryset, decide, done):
        now = timezone.now()
        for leave in queryset.select_related("worker"):
            try:
                decide(leave, request.user, now)
                messages.success(request, f"{leave}: {done}")
            except RotaError as error:
                messages.warning(request, f"{leave}: {error.message}")

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
            .filter(visible_community_filter(request, "slot__community"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
