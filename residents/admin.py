from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.core.client import client_ip
from residents.models import AccessLog, Resident, Tag


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_phone", "community", "address")
    list_filter = ("community",)
    list_select_related = ("community",)
    # No search box: the admin searches with GET, which would put names in URLs and
    # logs. The desk's search POSTs instead (/desk/residents/).
    fields = (
        "community",
        "name",
        "phone",
        ("estate", "building", "unit", "room"),
        "birth_year",
        "masked_id_number",
        "tags",
        "notes",
        ("consent_at", "consent_recorded_by"),
        ("last_active_at", "anonymised_at"),
    )
    readonly_fields = (
        "masked_id_number",
        "consent_at",
        "consent_recorded_by",
        "last_active_at",
        "anonymised_at",
    )
    filter_horizontal = ("tags",)

    @admin.display(description=_("phone"))
    def masked_phone(self, resident):
        return resident.masked_phone

    @admin.display(description=_("address"))
    def address(self, resident):
        return resident.address

    @admin.display(description=_("ID number"))
    def masked_id_number(self, resident):
        return resident.masked_id_number or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        # Residents are added at the desk, where their consent is asked for and recorded.
        return False

    def has_change_permission(self, request, obj=None):
        # Filling an anonymised resident in again would undo the anonymisation.
        if obj is not None and obj.is_anonymised:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            kwargs["queryset"] = Tag.objects.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """The list (also the raw-id popup of other admins) records one list read a page."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist:
            # Evaluates the page's rows once; the template then reads the same rows.
            AccessLog.record_list(
                changelist.result_list, user=request.user, ip_address=client_ip(request)
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._record_view(request, response, object_id)
        return response

    # The history and the delete confirmation name the resident too.
    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._record_view(request, response, object_id)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._record_view(request, response, object_id)
        return response

    def _record_view(self, request, response, object_id):
        """One `viewed` record for a page of one resident shown (GET, 200); none when refused."""
        if request.method == "GET" and response.status_code == 200:
            AccessLog.record(
                AccessLog.Action.VIEWED,
                user=request.user,
                ip_address=client_ip(request),
                resident=self.get_object(request, object_id),
            )

    def save_model(self, request, resident, form, change):
        resident.last_active_at = timezone.now()
        super().save_model(request, resident, form, change)
        AccessLog.record(
            AccessLog.Action.CHANGED,
            user=request.user,
            ip_address=client_ip(request),
            resident=resident,
            changed_fields=form.changed_data,
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "sensitive", "position")

    # The list is controlled by migrations (0003_controlled_tags): read-only here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """The street office's review of who looked at, changed or exported residents' records."""

    list_display = (
        "at",
        "user",
        "action",
        "search_key",
        "reason",
        "resident",
        "community",
        "resident_count",
        "ip_address",
    )
    list_filter = ("action", "search_key", "community", ("at", admin.DateFieldListFilter))
    list_select_related = ("user", "resident", "community")
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    # Nobody, not even a superuser, may add, change or delete a record from the app.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
