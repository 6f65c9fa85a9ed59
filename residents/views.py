from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from desks.core.client import client_ip
from desks.core.spreadsheets import SafeCsvWriter
from residents import directory, id_search
from residents.forms import IdNumberSearchForm, ResidentForm, SearchForm
from residents.free_text import tell_if_masked
from residents.models import AccessLog, IdSearchLock, Resident, sees_id_number_last4

PAGE_SIZE = 50


def _get_visible_resident(request: HttpRequest, pk: int, *, to_edit=False) -> Resident:
    """The resident, if `request.user` may see them; otherwise 404, as if it did not exist.

    An anonymised resident can be seen (it is only a row for the statistics) but
    not edited: filling it in again would undo the anonymisation.
    """
    residents = Resident.objects.visible_to(request.user).with_tags_for(request.user)
    if to_edit:
        residents = residents.not_anonymised()
    return get_object_or_404(residents, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """The residents list, or a search in it; searches are POSTed so that no name or
    number lands in a URL. An emptied search box shows the list again."""
    form = SearchForm(request.POST if request.method == "POST" else None)
    context = {
        "form": form,
        "id_form": IdNumberSearchForm(),
        "searched": False,
        "page_size": PAGE_SIZE,
    }
    if form.is_valid() and form.cleaned_data["q"]:
        found = directory.search(
            request.user, form.cleaned_data["q"], ip_address=client_ip(request), limit=PAGE_SIZE
        )
        context |= {"searched": True, "residents": found.residents, "more": found.more}
    elif form.is_bound and not form.is_valid():
        context |= {"searched": True, "residents": []}
    else:
        context |= _list_page(request)
    if not request.htmx:
        # Heads and the street office are told when a colleague's ID search is locked.
        locks = IdSearchLock.objects.active().liftable_by(request.user)
        context["id_search_locks"] = locks.count()
    template = "residents/search.html#results" if request.htmx else "residents/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def search_by_id_number(request: HttpRequest) -> HttpResponse:
    """A search by full ID number: its own form, a reason, limited (residents.id_search).

    Invalid input answers 422 and records nothing; a locked user's search answers 429.
    """
    id_form = IdNumberSearchForm(request.POST)
    context = {"form": SearchForm(), "id_form": id_form, "page_size": PAGE_SIZE}
    template = "residents/search.html#results" if request.htmx else "residents/search.html"
    if not id_form.is_valid():
        context |= {"searched": False, "residents": []}
        return render(request, template, context, status=422)
    result = id_search.search_by_id_number(
        request.user,
        id_form.cleaned_data["id_number"],
        reason=id_form.cleaned_data["reason"],
        ip_address=client_ip(request),
        now=timezone.now(),
    )
    context |= {
        "searched": True,
        "by_id_number": True,
        "residents": result.residents,
        "id_search": result,
    }
    response = render(request, template, context, status=429 if result.locked else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def id_search_locks(request: HttpRequest) -> HttpResponse:
    """The locked ID searches this user may lift (a head: their community's staff)."""
    locks = IdSearchLock.objects.active().liftable_by(request.user).select_related("user")
    return render(request, "residents/id_search_locks.html", {"locks": locks})


@login_required
@require_POST
def lift_id_search_lock(request: HttpRequest, pk: int) -> HttpResponse:
    lock = get_object_or_404(IdSearchLock.objects.liftable_by(request.user), pk=pk)
    id_search.lift(lock, by=request.user, ip_address=client_ip(request), now=timezone.now())
    messages.success(
        request,
        _("%(name)s can search by ID number again.") % {"name": lock.user.display_name},
    )
    return redirect("residents:id_search_locks")


def _list_page(request: HttpRequest) -> dict:
    """One page of every resident the user may see (anonymised ones too: the rows stay)."""
    residents = Resident.objects.visible_to(request.user).with_tags_for(request.user)
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of names is personal data seen, as much as one resident's page.
    AccessLog.record_list(page, user=request.user, ip_address=client_ip(request))
    return {"page": page, "residents": page.object_list}


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get_visible_resident(request, pk)
    AccessLog.record(
        AccessLog.Action.VIEWED,
        user=request.user,
        ip_address=client_ip(request),
        resident=resident,
    )
    context = {"resident": resident, "shows_id_last4": sees_id_number_last4(request.user)}
    return render(request, "residents/detail.html", context)


@login_required
@require_GET
def add(request: HttpRequest) -> HttpResponse:
    return render(request, "residents/form.html", {"form": ResidentForm(request.user)})


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = ResidentForm(request.user, data=request.POST)
    if form.is_valid():
        try:
            resident = form.register(now=timezone.now(), ip_address=client_ip(request))
        except ValidationError as error:
            # Registered by another desk between the form's check and the save.
            form.add_error(None, error)
        else:
            messages.success(request, _("Resident added."))
            tell_if_masked(request, form)
            return redirect(resident)
    return render(request, "residents/form.html", {"form": form})


@login_required
@require_GET
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get_visible_resident(request, pk, to_edit=True)
    form = ResidentForm(request.user, instance=resident)
    # The form shows the whole record, as the resident's page does.
    AccessLog.record(
        AccessLog.Action.VIEWED,
        user=request.user,
        ip_address=client_ip(request),
        resident=resident,
    )
    return render(request, "residents/form.html", {"form": form, "resident": resident})


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _get_visible_resident(request, pk, to_edit=True)
    form = ResidentForm(request.user, data=request.POST, instance=resident)
    if not form.is_valid():
        return render(request, "residents/form.html", {"form": form, "resident": resident})
    try:
        with transaction.atomic():
            form.save(now=timezone.now())
            AccessLog.record(
                AccessLog.Action.CHANGED,
                user=request.user,
                ip_address=client_ip(request),
                resident=resident,
                changed_fields=form.changed_field_names(),
            )
    except ValidationError as error:
        # Another resident was given this phone or ID number between the check and the save.
        form.add_error(None, error)
        return render(request, "residents/form.html", {"form": form, "resident": resident})
    messages.success(request, _("Changes saved."))
    tell_if_masked(request, form)
    return redirect(resident)


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """The visible residents as CSV (UTF-8 with BOM, so Excel reads the Chinese), phones masked."""
    residents = list(Resident.objects.visible_to(request.user).with_tags_for(request.user))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.csv"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response)
    header = [_("Community"), _("Name"), _("Phone"), _("Address"), _("Birth year"), _("Tags")]
    writer.writerow(header)
    for resident in residents:
        writer.writerow(
            [
                resident.community.name,
                resident.name,
                resident.masked_phone,
                resident.address,
                resident.birth_year or "",
                "、".join(tag.name for tag in resident.shown_tags),
            ]
        )
    AccessLog.record(
        AccessLog.Action.EXPORTED,
        user=request.user,
        ip_address=client_ip(request),
        count=len(residents),
    )
    return response
