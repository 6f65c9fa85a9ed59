"""Error pages that Django does not render with a request by itself."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form that expired, told in plain words (never Django's `reason`)."""
    return render(request, "403_csrf.html", status=403)
