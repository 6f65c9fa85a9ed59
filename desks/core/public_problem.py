"""What the residents' public pages (votes, ratings, bookings, the queue) share: the page
that says why a link or form cannot be used, and the device cookie they limit by."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# A device cookie of another length was not set by us: it counts as no cookie.
DEVICE_TOKEN_LENGTHS = range(16, 65)


def problem(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """A clear page for a resident whose link or form cannot be used, with the reason; a
    429 says when to try again."""
    response = render(
        request, "public/problem.html", {"title": title, "message": message}, status=status
    )
    if status == 429:
        response["Retry-After"] = "60"
    return response


def device_token(request: HttpRequest, cookie: str) -> str | None:
    """The device cookie `cookie` as we set it, or None."""
    token = request.COOKIES.get(cookie, "")
    return token if len(token) in DEVICE_TOKEN_LENGTHS else None
