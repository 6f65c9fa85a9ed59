import re
from datetime import MAXYEAR, MINYEAR
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render, resolve_url
from django.utils import translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

YEAR_LOOKUP = re.compile(r"__(iso_)?year(__[a-z]+)?$")


class RejectNulCharacters:
    """Answer 400 to a request whose parameters no view can use.

    - a NUL character: PostgreSQL cannot store or compare text containing NUL, so such a
      value would reach a query and fail with a 500;
    - a body that cannot be read in the charset it declares (``charset=utf-16``, an
      unknown charset): Django decodes the form lazily, so the CSRF check or a view
      would fail with a 500;
    - a year lookup in the query string outside 1–9999 (the admin's date filters,
      ``?logged_at__year=2147483648``): Python's dates cannot hold it.

    No person sends any of these; refusing them here keeps every view, form and admin
    page from having to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = self._problem(request)
        if message:
            if request.path_info.startswith("/api/"):
                # API clients read errors as JSON (docs/api.md), from any origin.
                response = JsonResponse({"error": message}, status=400)
                response["Access-Control-Allow-Origin"] = "*"
                return response
            # People get the 400 page, in the language of the URL (LocaleMiddleware runs later).
            language = translation.get_language_from_path(request.path_info)
            with translation.override(language or settings.LANGUAGE_CODE):
                return render(request, "400.html", status=400)
        return self.get_response(request)

    @classmethod
    def _problem(cls, request):
        """What is wrong with the request, for the API's message; None when nothing is."""
        raw = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "\x00" in raw or "%00" in raw:
            return _("The request contains a NUL character.")
        if cls._unreadable_body(request):
            return _("The request body cannot be read in the charset it declares.")
        if cls._posted_nul(request):
            return _("The request contains a NUL character.")
        if cls._year_out_of_range(request):
            return _("A year in the request is out of range.")
        return None

    @staticmethod
    def _unreadable_body(request):
        if request.method != "POST":
            return False
        try:
            request.POST  # noqa: B018 (decoding it is the check)
        except (BadRequest, UnicodeDecodeError, LookupError):
            return True
        return False

    @staticmethod
    def _year_out_of_range(request):
        for name, values in request.GET.lists():
            if YEAR_LOOKUP.search(name):
                for value in values:
                    try:
                        year = int(value)
                    except ValueError:
                        continue  # Django's own lookup rejects it
                    if not MINYEAR <= year <= MAXYEAR:
                        return True
        return False

    @staticmethod
    def _posted_nul(request):
        if request.method != "POST":
            return False
        return any("\x00" in value for values in request.POST.lists() for value in values[1])


class HtmxLoginRedirect:
    """Send the browser to the login page when an htmx request finds the session ended.

    `login_required` answers with a redirect to the login page, which the browser's
    XMLHttpRequest would follow: htmx would then swap the login page into the form. For
    an htmx request the answer is instead `HX-Redirect` to the login page, with `next`
    the page on screen (`HX-Current-URL`, this site's only), so the worker comes back to
    it after logging in. The status is 401: nothing was done, and no client (the desk's
    scripts) may take the answer for a success.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code != 302:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        back_to = request.htmx.current_url_abs_path or resolve_url(settings.LOGIN_REDIRECT_URL)
        redirect = HttpResponseClientRedirect(f"{login}?{urlencode({'next': back_to})}")
        redirect.status_code = 401
        return redirect
