"""Admin for the desk's request log and follow-ups."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from desks.admin.scope import OutOfScopeIs404
from desks.core.client import client_ip
from desks.models import (
    Community,
    FollowUp,
    RequestChange,
    ServiceRequest,
)
from residents.models import AccessLog


class RequestChangeInline(admin.TabularInline):
    model = RequestChange
    fields = ("changed_at", "action", "changed_by", "changes")
    readonly_fields = fields
    extra = 0
    can_delete = False


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
    # A search goes into the URL (?q=), and so into access logs and browser history: never
    # notes, names or phones. Residents are found at the desk, where each search is audited.
    search_fields = ("service_item__name",)
    search_help_text = _(
        "Searches service item names only. To find a resident, use the resident search "
        "on the desk: it is audited."
    )
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
        return request.in_extended_hours

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The form names the request's resident (next to its raw id): a view of them."""
        response = super().change_view(request, object_id, form_url, extra_context)
        logged = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and response.status_code == 200 and logged is not None:
            resident = logged.resident
            if resident is not None and not resident.is_anonymised:
                AccessLog.record(
                    AccessLog.Action.VIEWED,
                    user=request.user,
                    ip_address=client_ip(request),
                    resident=resident,
                )
        return response


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
