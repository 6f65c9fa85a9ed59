from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from desks.models import Community, ServiceCategory, ServiceItem


def public_home(request: HttpRequest) -> HttpResponse:
    communities = Community.objects.select_related("street_office")
    return render(request, "public/home.html", {"communities": communities})


def community(request: HttpRequest, slug: str) -> HttpResponse:
    centre = get_object_or_404(Community.objects.select_related("street_office"), slug=slug)
    categories = ServiceCategory.objects.prefetch_related(
        Prefetch("items", queryset=ServiceItem.objects.in_extended_hours(), to_attr="offered")
    )
    return render(
        request,
        "public/community.html",
        {"community": centre, "categories": [c for c in categories if c.offered]},
    )


@login_required
def desk_home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html")
