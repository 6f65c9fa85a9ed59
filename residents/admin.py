from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from residents.models import Resident


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_phone", "community", "address")
    list_filter = ("community",)
    list_select_related = ("community",)
    search_fields = ("name", "phone")

    @admin.display(description=_("phone"))
    def masked_phone(self, resident):
        return resident.masked_phone

    @admin.display(description=_("address"))
    def address(self, resident):
        return resident.address

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
