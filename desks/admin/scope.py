"""Admin scope: what a user may see and change, and why everything else is a 404."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404

from desks.models import (
    Community,
)


class OutOfScopeIs404:
    """An object outside the user's scope answers 404, not the admin's friendly redirect.

    get_queryset decides the scope; editing an id in the URL reveals nothing.
    """

    def _in_scope_or_404(self, request, object_id):
        if not object_id:
            return
        try:
            # An id that is not one ("abc") is simply not found, as in the admin itself.
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        if not self.get_queryset(request).filter(pk=pk).exists():
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


def visible_community_filter(request, path="community"):
    """Rows of the communities `request.user` may see (all of them for a superuser)."""
    if request.user.is_superuser:
        return Q()
    return Q(**{f"{path}__in": Community.objects.visible_to(request.user)})
