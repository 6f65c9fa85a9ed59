from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


class RejectNulCharacters:
    """Answer 400 to a request whose parameters contain a NUL character.

    PostgreSQL cannot store or compare text containing NUL, so such a value would
    reach a query and fail with a 500. No person types one; refusing it here keeps
    every view, form and admin page from having to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "")
        if (
            "\x00" in request.path_info
            or "\x00" in raw
            or "%00" in raw
            or self._posted_nul(request)
        ):
            if request.path_info.startswith("/api/"):
                # API clients read errors as JSON (docs/api.md), from any origin.
                message = _("The request contains a NUL character.")
                response = JsonResponse({"error": message}, status=400)
                response["Access-Control-Allow-Origin"] = "*"
                return response
            # People get the 400 page, in the language of the URL (LocaleMiddleware runs later).
            language = translation.get_language_from_path(request.path_info)
            with translation.override(language or settings.LANGUAGE_CODE):
                return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _posted_nul(request):
        if request.method != "POST":
            return False
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
