"""The monthly report in the admin, and its exports. Scope comes from desks.core.scope.scope_for."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desks.core.client import client_ip
from desks.core.dates import Month
from desks.core.nav_sidebar import nav_sidebar
from desks.core.scope import scope_for
from desks.models import Community, ExportRecord
from desks.reports import charts, exports
from desks.reports.booking_tables import BookingTables
from desks.reports.monthly import MonthlyReport, registrations_unit

# Mon…Sun, in the reader's language (Django's own translations).
WEEKDAYS = [WEEKDAYS_ABBR[day] for day in range(7)]


def _report(request: HttpRequest) -> MonthlyReport | HttpResponse:
    default = Month.containing(timezone.localdate()).previous
    try:
        month = Month.parse(request.GET["month"]) if request.GET.get("month") else default
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    scope = scope_for(
        request.user, request.GET.get("office", "")[:50], request.GET.get("community", "")[:50]
    )
    return MonthlyReport(scope, month, timezone.now())


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("desks.view_reports"):
        raise PermissionDenied
    monthly = _report(request)
    if isinstance(monthly, HttpResponse):
        return monthly
    tables = monthly.tables()
    by_key = {table.key: table for table in tables}
    # The scope's choices, in one query: the communities, and the street offices they are in.
    communities = list(
        Community.objects.visible_to(request.user).select_related("street_office").order_by("name")
    )
    offices = {community.street_office_id: community.street_office for community in communities}
    daily = monthly.daily()
    admin_context = admin.site.each_context(request)
    return render(
        request,
        "admin/reports/report.html",
        {
            **admin_context,
            "nav_sidebar": nav_sidebar(request, admin_context["available_apps"]),
            "title": _("Monthly report"),
            "report": monthly,
            "tables": tables,
            "community_chart": charts.bars(by_key["community"].rows, monthly.month),
            "category_chart": charts.bars(by_key["category"].rows, monthly.month),
            "daily_chart": charts.line(daily),
            "daily_calendar": charts.calendar_rows(charts.weeks(daily)),
            "heat_map": charts.heat_map_rows(monthly.heat_map()),
            "heat_map_unit": registrations_unit(),
            "weekdays": WEEKDAYS,
            "offices": sorted(offices.values(), key=lambda office: office.name),
            "communities": communities,
            "can_export": request.user.has_perm("desks.export_reports"),
            "rate_tables": monthly.rate_tables(),
            "votes_table": monthly.votes_against_requests(),
            "booking_tables": BookingTables(monthly),
            "now": timezone.now(),
        },
    )


@require_GET
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    if not request.user.has_perm("desks.export_reports"):
        raise PermissionDenied
    monthly = _report(request)
    if isinstance(monthly, HttpResponse):
        return monthly
    title = f"{monthly.scope.label} {monthly.month}"
    if file_format == "csv":
        content, content_type = exports.as_csv(title, monthly), "text/csv; charset=utf-8"
    else:
        content = exports.as_xlsx(title, monthly)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ExportRecord.objects.create(
        user=request.user,
        exported_at=timezone.now(),
        what=_("Monthly report: %(title)s") % {"title": title},
        file_format=file_format,
        ip_address=client_ip(request),
    )
    filename = f"report-{monthly.scope.slug}-{monthly.month}.{file_format}"
    return HttpResponse(
        content,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
