"""Who may use which part of the app: decorators for views."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def desk_worker(view):
    """Login required, and a community to work for: street-office staff log nowhere."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.community_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
