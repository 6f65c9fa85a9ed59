"""Who may use which part of the app: decorators for views."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from desks.core.compiled import CompiledQuery


def _permissions(from_name: str) -> CompiledQuery:
    """ModelBackend's query of a user's own ("user") or groups' ("group") permissions."""

    def build(pk):
        user = get_user_model()(pk=pk)
        perms = getattr(ModelBackend(), f"_get_{from_name}_permissions")(user)
        return perms.values_list("content_type__app_label", "codename").order_by()

    return CompiledQuery(build, pk=int)


class UserBackend(ModelBackend):
    """Django's ModelBackend, with the signed-in user and their permissions read by SQL
    built once per process (desks.core.compiled): every signed-in request reads the user,
    and building that SQL again each time was a twentieth of a desk save; an admin page
    reads the permissions too (two queries, ~1 ms of ORM each). Signing in is
    ModelBackend's own, and so are a superuser's permissions."""

    _by_pk = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=int)
    _permission_queries = {name: _permissions(name) for name in ("user", "group")}

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = next(iter(self._by_pk.all(pk=pk)), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        """ModelBackend's, the same set kept on the user the same way."""
        if (
            user_obj.is_superuser
            or not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
        ):
            return super()._get_permissions(user_obj, obj, from_name)
        kept = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, kept):
            rows = self._permission_queries[from_name].rows(pk=user_obj.pk)
            setattr(user_obj, kept, {f"{app_label}.{codename}" for app_label, codename in rows})
        return getattr(user_obj, kept)


def desk_worker(view):
    """Login required, and a community to work for: street-office staff log nowhere."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.community_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def password_reset_by_mail():
    """Staff may reset their own password by mail only when mail is configured (EMAIL_URL);
    otherwise their street office resets it in the admin."""
    return bool(settings.EMAIL_URL)


def only_with_mail(view):
    """A password-reset page: 404 while mail is not configured (asked at each request)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not password_reset_by_mail():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# A preflight's answer may be reused this long by the browser (a day).
PREFLIGHT_MAX_AGE = 86400


def readable_from_any_origin(view):
    """CORS for public data: any web page (a WeChat H5 page on another domain) may read it.

    A plain GET needs no preflight; a client that adds its own headers sends OPTIONS
    first, and gets a 204 allowing GET and HEAD with whatever headers it asked for
    (the answer is the same for everyone and carries no cookie, so nothing leaks).
    Every answer, errors included, carries `Access-Control-Allow-Origin: *` so the
    page can read the error message.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            if asked := request.headers.get("Access-Control-Request-Headers"):
                response["Access-Control-Allow-Headers"] = asked[:200]
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped
