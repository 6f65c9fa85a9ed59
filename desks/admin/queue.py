"""Admin for the walk-in queue: the tickets, read-only, scoped to the user's communities."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from desks.admin.scope import OutOfScopeIs404
from desks.models import QueueTicket


@admin.register(QueueTicket)
class QueueTicketAdmin(OutOfScopeIs404, admin.ModelAdmin):
    """Read-only: the desk takes, calls and serves tickets. The resident and the token are
    left out (the token opens the resident's page; a name would need an access record)."""

    list_display = (
        "day",
        "label",
        "community",
        "service_item",
        "status",
        "taken_at",
        "called_at",
        "served_at",
        "counter",
    )
    list_filter = (("community", admin.RelatedOnlyFieldListFilter), "status")
    list_select_related = ("community", "service_item")
    date_hierarchy = "day"
    fields = (
        "community",
        "day",
        "number",
        "service_item",
        "status",
        "due_at",
        "taken_at",
        "called_at",
        "last_called_at",
        "counter",
        "served_at",
        "request",
    )

    @admin.display(description=_("number"), ordering="number")
    def label(self, ticket):
        return ticket.label

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
