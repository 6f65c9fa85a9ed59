from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from desks.models.organisation import Community, StreetOffice


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


_ONE_OWNER = Q(street_office__isnull=False, community__isnull=True) | Q(
    street_office__isnull=True, community__isnull=False
)


class WeeklyWindow(models.Model):
    """A weekly opening window, in local time, of a street office (its default) or a community.

    A community with no windows of its own follows its street office; a street
    office with none follows the built-in default (desks.hours.DEFAULT_WEEK).
    """

    street_office = models.ForeignKey(
        StreetOffice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weekly_windows",
        verbose_name=_("street office"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weekly_windows",
        verbose_name=_("community"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("weekly opening window")
        verbose_name_plural = _("weekly opening windows")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=_ONE_OWNER, name="weeklywindow_one_owner"),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="weeklywindow_starts_before_it_ends",
                violation_error_message=_("A window must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="weeklywindow_weekday_0_to_6"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        siblings = WeeklyWindow.objects.filter(
            street_office=self.street_office_id, community=self.community_id, weekday=self.weekday
        ).exclude(pk=self.pk)
        if self.start and self.end and siblings.filter(start__lt=self.end, end__gt=self.start):
            raise ValidationError(_("This window overlaps another window on the same day."))


class CalendarDay(models.Model):
    """A correction to the national calendar, for years the holiday library lags behind.

    The State Council publishes next year's holidays and the weekend days worked
    in exchange (调休上班日) each November; staff enter them here until the
    library catches up. An entry wins over the library for its date.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("statutory holiday (day off)")
        WORKDAY = "workday", _("working day (调休上班日)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(
        _("name"), max_length=50, help_text=_("Shown to residents, e.g. 春节 or 春节调休上班.")
    )

    class Meta:
        verbose_name = _("national calendar day")
        verbose_name_plural = _("national calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class HolidayArrangement(models.Model):
    """A year whose official holiday arrangement staff have entered and confirmed.

    Until the State Council publishes a year's arrangement (国务院办公厅关于<year>年部分
    节假日安排的通知, each autumn) and either the `holidays` library or staff know it,
    the year's hours are provisional. Staff paste the notice; its days become
    CalendarDay rows and this row records that the year is confirmed.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.TextField(_("notice text"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class DateOverride(models.Model):
    """Hours for one date that win over everything else: a closure or special windows.

    Several rows for one date and owner give several windows; a row without
    times closes the desk that day. A community's overrides win over its
    street office's.
    """

    street_office = models.ForeignKey(
        StreetOffice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="date_overrides",
        verbose_name=_("street office"),
        help_text=_("Set this for every community of the street office…"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="date_overrides",
        verbose_name=_("community"),
        help_text=_("…or this for one community."),
    )
    date = models.DateField(_("date"))
    start = models.TimeField(_("opens"), null=True, blank=True)
    end = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(
        _("reason"), max_length=100, help_text=_("Shown to residents, e.g. 台风停止开放.")
    )

    class Meta:
        verbose_name = _("date override")
        verbose_name_plural = _("date overrides")
        ordering = ["-date", "start"]
        constraints = [
            models.CheckConstraint(condition=_ONE_OWNER, name="dateoverride_one_owner"),
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | Q(start__isnull=False, end__isnull=False, start__lt=models.F("end")),
                name="dateoverride_closed_or_a_window",
                violation_error_message=_(
                    "Leave both times empty to close the desk, or give a window that closes "
                    "after it opens."
                ),
            ),
        ]
        indexes = [models.Index(fields=["date"], name="dateoverride_date")]

    def __str__(self):
        if self.is_closure:
            return f"{self.date:%Y-%m-%d} {self.reason}"
        return f"{self.date:%Y-%m-%d} {self.start:%H:%M}–{self.end:%H:%M} {self.reason}"

    @property
    def is_closure(self):
        return self.start is None

    def clean(self):
        if not self.street_office_id and not self.community_id:
            raise ValidationError(_("Choose a street office or a community."))
        if self.street_office_id and self.community_id:
            raise ValidationError(_("Choose a street office or a community, not both."))
        siblings = DateOverride.objects.filter(
            street_office=self.street_office_id, community=self.community_id, date=self.date
        ).exclude(pk=self.pk)
        if siblings.exists() and (self.is_closure or siblings.filter(start__isnull=True)):
            raise ValidationError(
                _("This date already has an override: a closure cannot be mixed with windows.")
            )
        if self.start and self.end and siblings.filter(start__lt=self.end, end__gt=self.start):
            raise ValidationError(_("This window overlaps another window on the same date."))
