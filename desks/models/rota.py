from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from desks.models.organisation import Community


class SlotKind(models.TextChoices):
    EVENING = "evening", _("weekday evening")
    WEEKEND = "weekend", _("weekend or holiday")


class DutySlotQuerySet(models.QuerySet):
    def at(self, moment):
        """Slots in progress at `moment` (half-open: a slot ending at 20:00 is over at 20:00)."""
        return self.filter(starts_at__lte=moment, ends_at__gt=moment)

    def upcoming(self, moment):
        return self.filter(ends_at__gt=moment).order_by("starts_at")

    def in_month(self, year, month):
        return self.filter(date__year=year, date__month=month)


class DutySlot(models.Model):
    """One opening window on one date at one community, needing `workers_needed` workers."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="slots", verbose_name=_("community")
    )
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=10, choices=SlotKind)
    workers_needed = models.PositiveSmallIntegerField(_("workers needed"), default=2)
    handover_note = models.TextField(
        _("handover note"), blank=True, help_text=_("What the next slot's workers should know.")
    )

    objects = DutySlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty slot")
        verbose_name_plural = _("duty slots")
        ordering = ["starts_at", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="slot_starts_before_it_ends"
            ),
            models.CheckConstraint(
                condition=Q(workers_needed__gte=1), name="slot_needs_at_least_one_worker"
            ),
        ]
        indexes = [models.Index(fields=["community", "date"], name="slot_community_date")]

    def __str__(self):
        local_start = self.starts_at.astimezone()
        local_end = self.ends_at.astimezone()
        return f"{self.community} {local_start:%Y-%m-%d %H:%M}–{local_end:%H:%M}"

    @property
    def hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Assignment(models.Model):
    """A worker on a slot (排班).

    starts_at/ends_at repeat the slot's, so that PostgreSQL's exclusion
    constraint (migration 0004) can refuse a worker on two overlapping slots
    even when two transactions book them at once.
    """

    slot = models.ForeignKey(
        DutySlot, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("slot")
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("worker"),
    )
    starts_at = models.DateTimeField(_("starts at"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lent by"),
        help_text=_("The head who lent a worker from another community."),
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("served, confirmed by"),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "worker"], name="assignment_once_per_slot"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="assignment_starts_before_it_ends"
            ),
        ]
        indexes = [models.Index(fields=["worker", "starts_at"], name="assignment_worker_start")]

    def __str__(self):
        return f"{self.worker} @ {self.slot}"

    @property
    def is_served(self):
        """Served when the worker checked in at the desk or the head confirmed it."""
        return self.checked_in_at is not None or self.confirmed_by_id is not None
