"""Bookings (预约): a resident reserves a window of the evening for one matter.

The rules (what is offered, capacity, arrival, affected bookings) live in
`desks.booking.bookings`; these are the rows and the properties of one row.
"""

import datetime as dt

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.models.catalogue import ServiceItem
from desks.models.organisation import Community
from desks.models.requests import ServiceRequest
from residents.models import resident_phone_validator

# Bookings per window when a centre's head has set nothing (BookingCapacity).
DEFAULT_PER_WINDOW = 6
PER_WINDOW_MAX = 50
CODE_LENGTH = 6
# Letters and digits nobody confuses when read out at the counter: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


class BookingCapacity(models.Model):
    """How many bookings one window of a community takes, set by its head (0: no bookings)."""

    community = models.OneToOneField(
        Community,
        on_delete=models.CASCADE,
        related_name="booking_capacity",
        verbose_name=_("community"),
    )
    per_window = models.PositiveSmallIntegerField(
        _("bookings per window"),
        default=DEFAULT_PER_WINDOW,
        validators=[MaxValueValidator(PER_WINDOW_MAX)],
        help_text=_("How many residents may book one opening window; 0 takes no bookings."),
    )

    class Meta:
        verbose_name = _("booking capacity")
        verbose_name_plural = _("booking capacities")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_window__lte=PER_WINDOW_MAX), name="bookingcapacity_at_most_50"
            ),
        ]

    def __str__(self):
        return f"{self.community}: {self.per_window}"


class BookingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(community__in=Community.objects.visible_to(user))

    def live(self):
        """Not cancelled: these take a place in their window."""
        return self.filter(cancelled_at__isnull=True)

    def in_window(self, community_id: int, starts_at: dt.datetime):
        return self.live().filter(community_id=community_id, starts_at=starts_at)

    def on_day(self, community_id: int, day: dt.date):
        return self.filter(community_id=community_id, day=day)


class Booking(models.Model):
    """One resident's booking of one window for one service item.

    Personal data (name, phone): seen by staff of the community and its street office,
    cleared with the resident (desks.desk.anonymisation). The private link's token is
    stored only as a hash; the code is what the resident says at the counter.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ARRIVED = "arrived", _("arrived")
        HONOURED = "honoured", _("served")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("community")
    )
    service_item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("service item"),
    )
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("window starts at"))
    ends_at = models.DateTimeField(_("window ends at"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[resident_phone_validator]
    )
    code = models.CharField(_("booking code"), max_length=CODE_LENGTH, unique=True, editable=False)
    token_hash = models.CharField(_("link (hash)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("booked at"))
    consent_at = models.DateTimeField(_("consent given at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by_resident = models.BooleanField(_("cancelled by the resident"), default=False)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("resident"),
    )
    request = models.OneToOneField(
        ServiceRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking",
        verbose_name=_("logged as"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking (预约)")
        verbose_name_plural = _("bookings (预约)")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="booking_starts_before_it_ends"
            ),
            models.CheckConstraint(
                condition=Q(request__isnull=True) | Q(arrived_at__isnull=False),
                name="booking_served_after_arrival",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="booking_community_start"),
            models.Index(fields=["community", "day"], name="booking_community_day"),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at)
        return f"{self.code} · {self.service_item} · {start:%Y-%m-%d %H:%M}"

    @classmethod
    def status_condition(cls, status: str, moment: dt.datetime) -> Q:
        """The bookings whose `status_at(moment)` is `status`, as a filter (the report's
        counts); `status_at` is its twin for one row in memory."""
        live, unserved = Q(cancelled_at__isnull=True), Q(request__isnull=True)
        waiting = live & unserved & Q(arrived_at__isnull=True)
        return {
            cls.Status.CANCELLED: ~live,
            cls.Status.HONOURED: live & ~unserved,
            cls.Status.ARRIVED: live & unserved & Q(arrived_at__isnull=False),
            cls.Status.NO_SHOW: waiting & Q(ends_at__lte=moment),
            cls.Status.BOOKED: waiting & Q(ends_at__gt=moment),
        }[status]

    def status_at(self, moment: dt.datetime) -> str:
        """Where the booking stands at `moment`: a no-show once its window ended unattended
        (`status_condition` says the same of many)."""
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        if self.request_id is not None:
            return self.Status.HONOURED
        if self.arrived_at is not None:
            return self.Status.ARRIVED
        if moment >= self.ends_at:
            return self.Status.NO_SHOW
        return self.Status.BOOKED

    @property
    def masked_phone(self) -> str:
        """138****1234, as residents' phones are shown."""
        digits = self.phone.replace("-", "")
        if len(digits) < 7:
            return "*" * len(digits)
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def waited(self) -> dt.timedelta | None:
        """How long a booked resident waited: from the later of their arrival and their
        window's start (coming early is no wait of ours) to the time they were served."""
        if self.request_id is None or self.arrived_at is None:
            return None
        return max(self.request.logged_at - max(self.arrived_at, self.starts_at), dt.timedelta())
