from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The phone of a street office, a centre or a member of staff: also a bare local number
# (83456789), as printed on the centre's door. Residents' phones are another rule
# (residents.models.resident_phone_validator): theirs need the area code.
centre_phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$",
    _("Enter a mainland mobile number (11 digits) or a landline such as 010-12345678."),
)


class HolidayRule(models.TextChoices):
    CLOSED = "closed", _("closed on statutory holidays")
    WEEKEND_HOURS = "weekend", _("open with weekend hours on statutory holidays")


class WorkingWeekendRule(models.TextChoices):
    """What a centre does on a weekend day worked in exchange for a holiday (调休上班日).

    WEEKDAY, the default, gives a centre on the usual hours its weekday evening window;
    the others are for a centre with its own weekly pattern (one evening a week, say).
    """

    WEEKDAY = (
        "weekday",
        _("open as on most weekdays (a centre open one evening a week stays closed)"),
    )
    WEEKEND = "weekend", _("keep its own weekend windows, as on any Saturday or Sunday")
    CLOSED = "closed", pgettext_lazy("working weekend", "closed")


class StreetOffice(models.Model):
    """A street office (街道): owns several communities, and its staff review them all."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[centre_phone_validator]
    )
    holiday_rule = models.CharField(
        _("on statutory holidays"),
        max_length=10,
        choices=HolidayRule,
        default=HolidayRule.CLOSED,
    )
    working_weekend_rule = models.CharField(
        _("on weekend days worked in exchange (调休上班日)"),
        max_length=10,
        choices=WorkingWeekendRule,
        default=WorkingWeekendRule.WEEKDAY,
        help_text=_(
            "With the usual hours, such a day gets the weekday evening window. For a "
            "community with its own weekly pattern, choose what it does."
        ),
    )
    comp_ratio_weekend = models.DecimalField(
        _("comp time per weekend or holiday hour"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text=_(
            "Hours of comp leave (调休) owed for each hour served on a weekend or holiday."
        ),
    )
    comp_ratio_evening = models.DecimalField(
        _("comp time per weekday-evening hour"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text=_("Hours of comp leave owed for each hour served after normal office hours."),
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
    phone = models.CharField(_("phone"), max_length=20, validators=[centre_phone_validator])
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

    @classmethod
    def absolute_urls(cls) -> Callable[["Community"], str]:
        """`get_absolute_url` for a page of many communities, with one `reverse()` for all.

        `/` links fifty cards; a `reverse()` each (the language prefix, the resolver's
        candidates, quoting) was a tenth of the page. A slug is letters, digits, hyphens
        and underscores, which `reverse()` never quotes, so each address is a placeholder
        slug's with the community's slug in its place.
        """
        head, tail = reverse("desks:community", args=["slug"]).rsplit("slug", 1)
        return lambda community: f"{head}{community.slug}{tail}"


class Role(models.TextChoices):
    WORKER = "worker", _("duty social worker")
    HEAD = "head", _("community head")
    OFFICE = "office", _("street-office staff")
    ADMIN = "admin", _("system administrator")


# Who can be on duty: active workers and heads. A community's staff are only these
# two roles (the user_role_matches_affiliation constraint); a head is not planned
# by generation but may be put on a slot by hand, owns follow-ups and call-backs.
DUTY_ROLES = (Role.WORKER, Role.HEAD)
DUTY_WORKER = Q(is_active=True, role__in=DUTY_ROLES)
# Who generation plans and who swaps slots: active workers only. The head decides
# swaps and comp leave and stands in by hand, so is neither planned nor asked to swap
# (a head taking a swap would approve their own change).
PLANNED_WORKER = Q(is_active=True, role=Role.WORKER)


class StaffQuerySet(models.QuerySet):
    def duty_workers(self, community=None):
        """Who can be on duty (workers and heads, active), of `community` if given.

        Python twin: `User.is_duty_worker`. Used by the rota's assignment rules, the
        desk's follow-up owners and the desk form's owner choices.
        """
        staff = self.filter(DUTY_WORKER)
        return staff if community is None else staff.filter(community=community)

    def planned_workers(self, community=None):
        """Who generation plans and swaps are between (active workers, not heads).

        Python twin: `User.is_planned_worker`.
        """
        staff = self.filter(PLANNED_WORKER)
        return staff if community is None else staff.filter(community=community)

    def heads_of(self, *communities):
        """The active heads of the communities given. Python twin: `User.is_head_of`."""
        return self.filter(is_active=True, role=Role.HEAD, community__in=communities)


class StaffManager(UserManager.from_queryset(StaffQuerySet)):
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
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[centre_phone_validator]
    )
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
        """A head of a community: of their own one, the only one they can head."""
        return self.role == Role.HEAD

    def is_head_of(self, community_id) -> bool:
        """Head of this community: approves its swaps, comp leave and served duty, publishes
        its rota, sees and closes all its follow-ups. Queryset twin: `heads_of`."""
        return self.is_active and self.is_head and self.community_id == community_id

    @property
    def is_duty_worker(self):
        """Can be on duty. Queryset twin: `User.objects.duty_workers()` (same DUTY_WORKER)."""
        return self.is_active and self.role in DUTY_ROLES

    @property
    def is_planned_worker(self):
        """Planned by generation and a swap partner. Queryset twin: `planned_workers()`."""
        return self.is_active and self.role == Role.WORKER
