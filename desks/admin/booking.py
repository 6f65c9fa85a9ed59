"""Admin for bookings (预约): the bookings of the user's communities, affected ones first to
find, and each centre's capacity per window."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.admin.scope import OutOfScopeIs404
from desks.booking import bookings
from desks.core.client import client_ip
from desks.models import Booking, BookingCapacity, Community


class AffectedFilter(admin.SimpleListFilter):
    """Upcoming bookings whose window desks.hours no longer opens (bookings.mark_affected)."""

    title = _("affected by a change of hours")
    parameter_name = "affected"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes, upcoming"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        now = timezone.now()
        upcoming = (
            queryset.live().filter(ends_at__gt=now).select_related("community__street_office")
        )
        return queryset.filter(
            pk__in=[b.pk for b in bookings.mark_affected(upcoming) if b.is_affected]
        )


@admin.register(Booking)
class BookingAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = (
        "code",
        "starts_at",
        "community",
        "service_item",
        "name",
        "shown_phone",
        "status",
        "affected",
    )
    list_filter = (AffectedFilter, ("community", admin.RelatedOnlyFieldListFilter), "day")
    list_select_related = ("community__street_office", "service_item", "request")
    # Never a personal field: the search box's ?q= lands in logs (test_admin_search).
    search_fields = ("code",)
    date_hierarchy = "day"
    fields = (
        "code",
        "community",
        "service_item",
        "starts_at",
        "ends_at",
        "name",
        "shown_phone",
        "created_at",
        "cancelled_at",
        "arrived_at",
        "resident",
        "request",
    )
    readonly_fields = fields
    actions = ("cancel_bookings",)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False  # residents book on the public page; the desk logs walk-ins

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            rows = bookings.mark_affected(changelist.result_list)
            bookings.record_shown(rows, request.user, client_ip(request))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            booking = response.context_data.get("original")
            if booking is not None:
                bookings.record_shown([booking], request.user, client_ip(request))
        return response

    @admin.display(description=_("phone"))
    def shown_phone(self, booking):
        return booking.masked_phone

    @admin.display(description=_("status"))
    def status(self, booking):
        return Booking.Status(booking.status_at(timezone.now())).label

    @admin.display(description=_("affected"), boolean=True)
    def affected(self, booking):
        if not hasattr(booking, "is_affected"):
            bookings.mark_affected([booking])
        return booking.is_affected

    @admin.action(description=_("Cancel the chosen bookings (not yet begun)"))
    def cancel_bookings(self, request, queryset):
        now = timezone.now()
        cancelled = 0
        for booking in queryset:
            try:
                bookings.cancel(booking, now, by_resident=False)
                cancelled += 1
            except bookings.BookingRefused:
                continue
        self.message_user(request, _("%(count)d bookings cancelled.") % {"count": cancelled})


@admin.register(BookingCapacity)
class BookingCapacityAdmin(OutOfScopeIs404, admin.ModelAdmin):
    list_display = ("community", "per_window")
    list_select_related = ("community",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(community__in=Community.objects.visible_to(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = Community.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
