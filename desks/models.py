from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$",
    _("Enter a mainland mobile number (11 digits) or a landline such as 010-12345678."),
)


class HolidayRule(models.TextChoices):
    CLOSED = "closed", _("closed on statutory holidays")
    WEEKEND_HOURS = "weekend", _("open with weekend hours on statutory holidays")


class StreetOffice(models.Model):
    """A street office (街道): owns several communities, and its staff review them all."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    holiday_rule = models.CharField(
        _("on statutory holidays"),
        max_length=10,
        choices=HolidayRule,
        default=HolidayRule.CLOSED,
    )

    class Meta:
        verbose_name = _("street office")
        verbose_name_plural = _("street offices")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The communities whose desk and figures `user` may see."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.street_office_id:
            return self.filter(street_office_id=user.street_office_id)
        if user.community_id:
            return self.filter(pk=user.community_id)
        return self.none()


class Community(models.Model):
    """One community service centre (社区党群服务中心) with one extended-hours desk."""

    street_office = models.ForeignKey(
        StreetOffice,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("street office"),
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=50,
        unique=True,
        help_text=_("Used in public addresses: /c/<slug>/. Lowercase letters, digits, hyphens."),
    )
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    workers_per_slot = models.PositiveSmallIntegerField(
        _("workers per slot"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("How many social workers each extended-hours slot needs."),
    )

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street_office", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street_office", "name"], name="community_name_unique_in_office"
            ),
            models.CheckConstraint(
                condition=Q(workers_per_slot__gte=1, workers_per_slot__lte=10),
                name="community_workers_per_slot_1_to_10",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("desks:community", args=[self.slug])


class Role(models.TextChoices):
    WORKER = "worker", _("duty social worker")
    HEAD = "head", _("community head")
    OFFICE = "office", _("street-office staff")
    ADMIN = "admin", _("system administrator")


class StaffManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Everyone belongs to exactly one community or one street office.

    Duty workers and community heads belong to a community; street-office staff
    to a street office; system administrators to neither.
    """

    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.WORKER)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("community"),
    )
    street_office = models.ForeignKey(
        StreetOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("street office"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    trained_categories = models.ManyToManyField(
        "ServiceCategory",
        blank=True,
        related_name="trained_workers",
        verbose_name=_("trained in"),
        help_text=_("Service categories this worker can handle on their own (一人多能)."),
    )

    objects = StaffManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=[Role.WORKER, Role.HEAD],
                        community__isnull=False,
                        street_office__isnull=True,
                    )
                    | Q(role=Role.OFFICE, community__isnull=True, street_office__isnull=False)
                    | Q(role=Role.ADMIN, community__isnull=True, street_office__isnull=True)
                ),
                name="user_role_matches_affiliation",
                violation_error_message=_(
                    "Duty workers and heads belong to a community, street-office staff to a "
                    "street office, administrators to neither."
                ),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """Chinese names read family name first, with no space."""
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    def get_short_name(self):
        return self.display_name

    @property
    def is_head(self):
        return self.role == Role.HEAD


class ServiceCategory(models.Model):
    """A group of service items (社会保障, 卫生健康, 便民服务…); workers train per category."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ServiceItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_extended_hours(self):
        return self.active().filter(offered_in_extended_hours=True)


class ServiceItem(models.Model):
    """Something residents come for, with its service guide (办事指南)."""

    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("category"),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    materials = models.TextField(
        _("materials to bring"),
        blank=True,
        help_text=_("One per line, e.g. 身份证原件."),
    )
    steps = models.TextField(_("steps"), blank=True, help_text=_("One step per line."))
    finishable_at_desk = models.BooleanField(
        _("can be finished at the desk"),
        default=False,
        help_text=_("Whether a resident can get it done on the spot, in one visit."),
    )
    offered_in_extended_hours = models.BooleanField(_("offered in extended hours"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["category__position", "position", "name"]

    def __str__(self):
        return self.name

    @property
    def material_list(self):
        return _lines(self.materials)

    @property
    def step_list(self):
        return _lines(self.steps)


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


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
