from django.http import HttpResponseBadRequest, JsonResponse
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
            message = _("The request contains a NUL character.")
            if request.path_info.startswith("/api/"):
                # API clients read errors as JSON (docs/api.md), from any origin.
                response = JsonResponse({"error": message}, status=400)
                response["Access-Control-Allow-Origin"] = "*"
                return response
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _posted_nul(request):
        if request.method != "POST":
            return False
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
