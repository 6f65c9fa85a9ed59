"""Admin for opening hours: weekly windows, date overrides, national calendar days and
the State Council's yearly holiday arrangement."""

import calendar
import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from desks.admin.scope import OutOfScopeIs404
from desks.hours import has_official_arrangement, years_missing_arrangement
from desks.hours.arrangement import enter_arrangement, proposed_days, replaced_corrections
from desks.hours.notice import Arrangement, check_complete, parse_notice
from desks.models import (
    CalendarDay,
    Community,
    DateOverride,
    HolidayArrangement,
    StreetOffice,
    Weekday,
    WeeklyWindow,
)


def missing_arrangement_warning(user, today: dt.date) -> str | None:
    """The admin's one warning while the coming months' holidays are provisional, with a
    link to enter the State Council's notice for those who may; None when all is known."""
    years = years_missing_arrangement(today)
    if not years:
        return None
    message = ngettext(
        "The official holiday arrangement for %(years)s is not entered yet: its statutory "
        "holidays and working weekends are provisional.",
        "The official holiday arrangements for %(years)s are not entered yet: their "
        "statutory holidays and working weekends are provisional.",
        len(years),
    ) % {"years": ", ".join(str(year) for year in years)}
    return _with_link_to_enter(user, message)


def provisional_month_warning(user, month: dt.date) -> str | None:
    """What the rota generation page says of a month whose holidays are provisional."""
    if has_official_arrangement(month.year):
        return None
    message = _(
        "The holidays of %(month)s are provisional (the State Council's arrangement for "
        "%(year)d is not entered): generate now and regenerate after entering it."
    ) % {"month": f"{month:%Y-%m}", "year": month.year}
    return _with_link_to_enter(user, message)


def _with_link_to_enter(user, message: str) -> str:
    if not user.has_perm("desks.add_holidayarrangement"):
        return format_html("{} {}", message, _("Your street office enters it."))
    return format_html(
        '{} <a href="{}">{}</a>',
        message,
        reverse("admin:desks_holidayarrangement_add"),
        _("Enter the State Council's notice"),
    )


class WarnsOfMissingHolidays:
    """Change lists that decide hours warn when the coming months' holidays are unknown."""

    def changelist_view(self, request, extra_context=None):
        if warning := missing_arrangement_warning(request.user, timezone.localdate()):
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


class WeeklyWindowFormSet(forms.BaseInlineFormSet):
    """The windows of one week, checked together: rows added or moved in one save may
    overlap each other, which WeeklyWindow.clean (row by row, against stored rows) misses."""

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and all(form.cleaned_data.get(key) for key in ("start", "end"))
            and form.cleaned_data.get("weekday") is not None
        ]
        for index, one in enumerate(kept):
            for other in kept[index + 1 :]:
                if (
                    one["weekday"] == other["weekday"]
                    and one["start"] < other["end"]
                    and other["start"] < one["end"]
                ):
                    raise forms.ValidationError(
                        _("Two windows on %(day)s overlap: %(one)s and %(other)s.")
                        % {
                            "day": Weekday(one["weekday"]).label,
                            "one": f"{one['start']:%H:%M}–{one['end']:%H:%M}",
                            "other": f"{other['start']:%H:%M}–{other['end']:%H:%M}",
                        }
                    )


class WeeklyWindowInline(admin.TabularInline):
    model = WeeklyWindow
    formset = WeeklyWindowFormSet
    fields = ("weekday", "start", "end")
    extra = 0


@admin.register(CalendarDay)
class CalendarDayAdmin(WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(DateOverride)
class DateOverrideAdmin(OutOfScopeIs404, WarnsOfMissingHolidays, admin.ModelAdmin):
    list_display = ("date", "community", "street_office", "start", "end", "reason")
    list_filter = (
        ("street_office", admin.RelatedOnlyFieldListFilter),
        ("community", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("community", "street_office")
    date_hierarchy = "date"
    search_fields = ("reason",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = Q(community__in=Community.objects.visible_to(request.user))
        if request.user.street_office_id:
            visible |= Q(street_office=request.user.street_office_id)
        return queryset.filter(visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only places the user answers for: their communities, their own street office.
        if not request.user.is_superuser:
            if db_field.name == "community":
                kwargs["queryset"] = Community.objects.visible_to(request.user)
            elif db_field.name == "street_office":
                kwargs["queryset"] = StreetOffice.objects.filter(pk=request.user.street_office_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NoticeForm(forms.Form):
    """Step 1: the notice, pasted. It must parse; the parse is kept as `arrangement`."""

    notice = forms.CharField(
        label=_("notice text"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=_(
            "Paste the whole notice 国务院办公厅关于<year>年部分节假日安排的通知, from its "
            "title to its last holiday."
        ),
    )

    arrangement: Arrangement | None = None

    def clean_notice(self):
        text = self.cleaned_data["notice"]
        arrangement = parse_notice(text)
        check_complete(arrangement)
        self.arrangement = arrangement
        return text


class ConfirmNoticeForm(NoticeForm):
    """Step 2: the same text again (parsed afresh, never a posted list of days), and the
    consent to replace stored corrections that differ from it."""

    notice = forms.CharField(widget=forms.HiddenInput)
    replace = forms.BooleanField(required=False)

    replaced: list = ()

    @classmethod
    def proposing(cls, pasted: NoticeForm) -> "ConfirmNoticeForm":
        """The confirm step for a notice that step 1 read."""
        form = cls(initial={"notice": pasted.cleaned_data["notice"]})
        form.arrangement = pasted.arrangement
        form.replaced = replaced_corrections(pasted.arrangement)
        return form

    def clean(self):
        cleaned = super().clean()
        if self.arrangement is not None:
            self.replaced = replaced_corrections(self.arrangement)
            if self.replaced and not cleaned.get("replace"):
                raise forms.ValidationError(
                    ngettext(
                        "Entering this notice replaces %(count)d correction entered before. "
                        "Tick the box to replace it, or leave this page to keep it.",
                        "Entering this notice replaces %(count)d corrections entered before. "
                        "Tick the box to replace them, or leave this page to keep them.",
                        len(self.replaced),
                    )
                    % {"count": len(self.replaced)}
                )
        return cleaned


def notice_calendar(arrangement: Arrangement) -> list[dict]:
    """The months the arrangement touches, as weeks of days (Monday first), each day
    with what the notice makes of it: for the confirm page."""
    proposal = proposed_days(arrangement)
    months = sorted({(day.year, day.month) for day in proposal})
    weeks_of = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar
    return [
        {
            "first": dt.date(year, month, 1),
            "weeks": [
                [
                    {"date": day, "in_month": day.month == month, "proposed": proposal.get(day)}
                    for day in week
                ]
                for week in weeks_of(year, month)
            ],
        }
        for year, month in months
    ]


@admin.register(HolidayArrangement)
class HolidayArrangementAdmin(admin.ModelAdmin):
    """Entering a year's arrangement: paste the notice, check the calendar, confirm.

    Street-office staff may do it (desks.core.roles); heads of community may not, as
    the national calendar serves every community.
    """

    list_display = ("year", "confirmed_at", "confirmed_by")
    list_select_related = ("confirmed_by",)
    readonly_fields = ("year", "notice", "confirmed_at", "confirmed_by")

    def has_change_permission(self, request, obj=None):
        return False  # entered from a notice (add), which replaces the year's entry

    def changelist_view(self, request, extra_context=None):
        if warning := missing_arrangement_warning(request.user, timezone.localdate()):
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._paste_page(request, NoticeForm())
        if "confirm" not in request.POST:
            form = NoticeForm(request.POST)
            if not form.is_valid():
                return self._paste_page(request, form)
            return self._confirm_page(request, ConfirmNoticeForm.proposing(form))
        form = ConfirmNoticeForm(request.POST)
        if form.is_valid():
            return self._enter(request, form)
        if form.arrangement is None:  # the text no longer reads as a notice: start again
            return self._paste_page(request, NoticeForm(request.POST))
        return self._confirm_page(request, form)

    def _enter(self, request, form):
        arrangement = form.arrangement
        enter_arrangement(arrangement, form.cleaned_data["notice"], request.user, timezone.now())
        messages.success(
            request,
            _(
                "The holiday arrangement for %(year)d is entered: %(days)d calendar days "
                "saved. Regenerate the draft rotas of its months."
            )
            % {"year": arrangement.year, "days": len(proposed_days(arrangement))},
        )
        return redirect("admin:desks_holidayarrangement_changelist")

    def _paste_page(self, request, form):
        context = {
            **self._context(request, _("Enter a year's holiday arrangement")),
            "form": form,
        }
        return TemplateResponse(request, "admin/desks/holidayarrangement/paste.html", context)

    def _confirm_page(self, request, form):
        arrangement = form.arrangement
        proposal = proposed_days(arrangement)
        context = {
            **self._context(
                request,
                _("Check the holiday arrangement for %(year)d") % {"year": arrangement.year},
            ),
            "form": form,
            "arrangement": arrangement,
            "already_entered": HolidayArrangement.objects.filter(year=arrangement.year).first(),
            "months": notice_calendar(arrangement),
            "weekdays": [WEEKDAYS_ABBR[day] for day in range(7)],
            "days_off": [day for day in proposal.values() if day.kind == CalendarDay.Kind.HOLIDAY],
            "working_days": [
                day for day in proposal.values() if day.kind == CalendarDay.Kind.WORKDAY
            ],
            "replaced": form.replaced,
            "replace_label": ngettext(
                "Replace this %(count)d correction",
                "Replace these %(count)d corrections",
                len(form.replaced),
            )
            % {"count": len(form.replaced)},
        }
        return TemplateResponse(request, "admin/desks/holidayarrangement/confirm.html", context)

    def _context(self, request, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }
