import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.models.organisation import Community, Role
from residents.free_text import FreeCharField, FreeTextField


class SlotKind(models.TextChoices):
    EVENING = "evening", _("weekday evening")
    WEEKEND = "weekend", _("weekend or holiday")


# A slot still takes place: it was not cancelled because its window went away.
# `DutySlot.is_cancelled` is its Python twin; assignments ask it through SLOT_LIVE.
LIVE = Q(cancelled_at__isnull=True)
SLOT_LIVE = Q(slot__cancelled_at__isnull=True)


class DutySlotQuerySet(models.QuerySet):
    def live(self):
        """Slots that still take place (see LIVE)."""
        return self.filter(LIVE)

    def at(self, moment):
        """Live slots in progress at `moment` (half-open: one ending at 20:00 is over at 20:00)."""
        return self.live().filter(starts_at__lte=moment, ends_at__gt=moment)

    def upcoming(self, moment):
        return self.live().filter(ends_at__gt=moment).order_by("starts_at")

    def with_staffing(self):
        """Annotate `assigned_count`, so that `DutySlot.shortfall` costs no query per slot."""
        return self.annotate(assigned_count=Count("assignments"))

    def before(self, slot):
        """The community's live slots that started before `slot`, latest first."""
        earlier = self.live().filter(community=slot.community_id, starts_at__lt=slot.starts_at)
        return earlier.order_by("-starts_at")


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
    handover_note = FreeTextField(
        _("handover note"), blank=True, help_text=_("What the next slot's workers should know.")
    )
    # The rota follows the opening hours (desks.rota.reconcile): a slot whose window
    # went away is cancelled, not deleted, so that its workers can be told.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("why cancelled"), max_length=100, blank=True, editable=False)
    moved_at = models.DateTimeField(_("time changed at"), null=True, blank=True, editable=False)
    added_at = models.DateTimeField(
        _("added after publishing at"), null=True, blank=True, editable=False
    )
    clashes = models.JSONField(
        _("workers taken off by a change of hours"), default=list, blank=True, editable=False
    )
    sequence = models.PositiveSmallIntegerField(
        _("revision"),
        default=0,
        editable=False,
        help_text=_("Goes up at every cancellation or change of time (calendar SEQUENCE)."),
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
        local_start = timezone.localtime(self.starts_at)
        local_end = timezone.localtime(self.ends_at)
        return f"{self.community} {local_start:%Y-%m-%d %H:%M}–{local_end:%H:%M}"

    @property
    def hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_moved(self) -> bool:
        """Its time changed after it was planned ("时间已调整"), and it still takes place."""
        return self.moved_at is not None and not self.is_cancelled

    @property
    def shortfall(self) -> int:
        """How many more workers the slot needs: 0 when it has all it needs.

        Reads `assigned_count` from `with_staffing()`, else the prefetched
        assignments, else one query. A cancelled slot needs nobody.
        """
        if self.is_cancelled:
            return 0
        assigned = getattr(self, "assigned_count", None)
        if assigned is None:
            assigned = self.assignments.count()  # no query when prefetched
        return self.shortfall_with(assigned)

    def shortfall_with(self, assigned: int) -> int:
        """The shortfall once `assigned` workers are on it (the planner counts as it fills)."""
        return max(self.workers_needed - assigned, 0)


# Served duty: the worker checked in at the desk, or the head confirmed it. Served
# duty counts for fairness, comp time and the report's "slots held"; planning never
# replaces it. `Assignment.is_served` is its Python twin. A cancelled slot is never
# served: check-in and confirming refuse it, and desks.rota.reconcile never cancels
# a slot that started or was served.
SERVED = Q(checked_in_at__isnull=False) | Q(confirmed_by__isnull=False)


class AssignmentQuerySet(models.QuerySet):
    def served(self):
        """Served duty (see SERVED)."""
        return self.filter(SERVED)

    def unserved(self):
        """Not (yet) served: neither checked in nor confirmed (see SERVED)."""
        return self.exclude(SERVED)

    def upcoming(self, moment):
        return self.filter(ends_at__gt=moment).order_by("starts_at")

    def live(self):
        """Duty on slots that still take place (see LIVE)."""
        return self.filter(SLOT_LIVE)

    def cancelled(self):
        """Duty on slots the hours took away."""
        return self.exclude(SLOT_LIVE)

    def published(self):
        """Assignments in months their head has published (drafts may still change)."""
        months = RotaMonth.objects.filter(
            community=OuterRef("slot__community"),
            month=OuterRef("rota_month"),
            published_at__isnull=False,
        )
        return self.alias(rota_month=TruncMonth("slot__date")).filter(Exists(months))


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
    # Put on the slot against rules a head may override (desks.rota.rules), and why.
    override_reason = FreeCharField(_("why the rules were overridden"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rules overridden by"),
    )
    overridden_at = models.DateTimeField(_("rules overridden at"), null=True, blank=True)
    overridden_rules = models.JSONField(
        _("rules overridden"),
        default=list,
        blank=True,
        help_text=_("What the rules said when this worker was put on the slot anyway."),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "worker"], name="assignment_once_per_slot"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="assignment_starts_before_it_ends"
            ),
            # An override is recorded whole: by whom, when and why, or not at all.
            models.CheckConstraint(
                condition=Q(
                    overridden_by__isnull=True, overridden_at__isnull=True, override_reason=""
                )
                | (
                    Q(overridden_by__isnull=False, overridden_at__isnull=False)
                    & ~Q(override_reason="")
                ),
                name="assignment_override_has_who_when_why",
            ),
        ]
        indexes = [models.Index(fields=["worker", "starts_at"], name="assignment_worker_start")]

    def __str__(self):
        return f"{self.worker} @ {self.slot}"

    @property
    def is_override(self) -> bool:
        """Put on the slot against the rules, by a head with a reason (desks.rota.rules)."""
        return self.overridden_by_id is not None

    @property
    def is_served(self):
        """The Python twin of SERVED: checked in at the desk, or confirmed by the head."""
        return self.checked_in_at is not None or self.confirmed_by_id is not None


class RotaMonthQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class RotaMonth(models.Model):
    """One community's rota for one month: a draft until the head publishes it.

    After publishing, the month is never regenerated; it changes only by an
    approved swap or by the head.
    """

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="rota_months", verbose_name=_("community")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    shortfalls = models.JSONField(
        _("slots left short"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("Slots the last generation could not fill, and why."),
    )
    figures = models.JSONField(
        _("plan figures"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "How the last generation planned: hours per worker and their spread, "
            "slots missing a service category, how often each pair works together."
        ),
    )

    objects = RotaMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("month's rota")
        verbose_name_plural = _("months' rotas")
        ordering = ["-month", "community"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="rotamonth_unique"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(published_by__isnull=False),
                name="rotamonth_published_by_someone",
            ),
        ]
        permissions = [
            ("publish_rotamonth", _("Can publish a month's rota")),
            ("export_rotamonth", _("Can export a month's rota as CSV")),
        ]

    def __str__(self):
        return f"{self.community} {self.month:%Y-%m}"

    @property
    def is_published(self):
        return self.published_at is not None


class AbsenceQuerySet(models.QuerySet):
    def covering(self, first: dt.date, last: dt.date):
        """Absences that touch any day from `first` to `last`."""
        return self.filter(first_day__lte=last, last_day__gte=first)


class Absence(models.Model):
    """Days a worker cannot take duty: leave, or unavailable for another reason."""

    class Kind(models.TextChoices):
        LEAVE = "leave", _("leave")
        UNAVAILABLE = "unavailable", _("unavailable")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("worker"),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.LEAVE)
    reason = FreeCharField(_("reason"), max_length=200, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave or unavailability")
        verbose_name_plural = _("leave and unavailability")
        ordering = ["-first_day", "worker"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="absence_first_day_not_after_last",
                violation_error_message=_("The last day cannot come before the first."),
            ),
        ]
        indexes = [models.Index(fields=["worker", "first_day"], name="absence_worker_first_day")]

    def __str__(self):
        days = f"{self.first_day:%Y-%m-%d}–{self.last_day:%Y-%m-%d}"
        return f"{self.worker} {self.get_kind_display()} {days}"


class SwapRequestQuerySet(models.QuerySet):
    def awaiting_head(self):
        """Swaps a head may decide: accepted by the colleague, or still asked."""
        return self.filter(status__in=[SwapRequest.Status.ASKED, SwapRequest.Status.ACCEPTED])

    def involving(self, user):
        return self.filter(Q(requester=user) | Q(colleague=user))

    def of_community(self, community_id):
        return self.filter(slot__community=community_id)

    def with_actions_for(self, user):
        """Annotate `can_answer`, `can_cancel` and `can_decide` for `user`, for templates:
        they show only the buttons `user` may use. Same rules as the `may_*` methods."""
        return self.annotate(
            can_answer=ExpressionWrapper(SwapRequest.answerable_by(user), BooleanField()),
            can_cancel=ExpressionWrapper(SwapRequest.cancellable_by(user), BooleanField()),
            can_decide=ExpressionWrapper(SwapRequest.decidable_by(user), BooleanField()),
        )


class SwapRequest(models.Model):
    """A swap (调班): a worker asks a colleague to take their slot, or to trade slots.

    Nothing changes on the rota until the head approves; see desks.rota.
    """

    class Status(models.TextChoices):
        ASKED = "asked", _("waiting for the colleague")
        ACCEPTED = "accepted", _("waiting for the head")
        DECLINED = "declined", _("declined by the colleague")
        CANCELLED = "cancelled", _("cancelled")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused by the head")

    OPEN = (Status.ASKED, Status.ACCEPTED)

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="swaps_asked",
        verbose_name=_("asked by"),
    )
    slot = models.ForeignKey(
        DutySlot,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("slot given away"),
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="swaps_offered",
        verbose_name=_("colleague"),
    )
    other_slot = models.ForeignKey(
        DutySlot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("slot taken in exchange"),
        help_text=_("Empty when the colleague simply takes the slot."),
    )
    note = FreeCharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ASKED)
    created_at = models.DateTimeField(_("asked at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refusal = FreeCharField(_("why refused"), max_length=300, blank=True)

    objects = SwapRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("colleague")), name="swap_with_someone_else"
            ),
            models.CheckConstraint(
                condition=~Q(slot=F("other_slot")), name="swap_two_different_slots"
            ),
        ]

    def __str__(self):
        return f"{self.requester} → {self.colleague}: {self.slot}"

    @property
    def is_open(self):
        return self.status in self.OPEN

    # Who may answer a swap. Each rule is a method (Python) with its SQL twin beside
    # it (a Q, for `with_actions_for`); tests hold the two to the same answers.

    def may_answer(self, user) -> bool:
        """Accept or decline: the colleague asked, while the swap waits for them."""
        return self.colleague_id == user.pk and self.status == self.Status.ASKED

    @classmethod
    def answerable_by(cls, user) -> Q:
        return Q(colleague=user.pk, status=cls.Status.ASKED)

    def may_cancel(self, user) -> bool:
        """Cancel: the worker who asked, while the swap is open."""
        return self.requester_id == user.pk and self.is_open

    @classmethod
    def cancellable_by(cls, user) -> Q:
        return Q(requester=user.pk, status__in=cls.OPEN)

    def may_decide(self, user) -> bool:
        """Approve or refuse: the head of the slot's community, while the swap is open
        (before the colleague answers, that is the head acting on their behalf).
        A head never decides a swap they asked for themselves."""
        return (
            user.is_head_of(self.slot.community_id)
            and self.requester_id != user.pk
            and self.is_open
        )

    @classmethod
    def decidable_by(cls, user) -> Q:
        if not user.is_head_of(user.community_id):
            return Q(pk__isnull=True)  # nothing: a pk is never null
        return Q(slot__community=user.community_id, status__in=cls.OPEN) & ~Q(requester=user.pk)


class CompLeave(models.Model):
    """Comp leave (调休) a worker takes, drawing down the comp time they accrued."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("waiting for the head")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comp_leaves",
        verbose_name=_("worker"),
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    reason = FreeCharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.REQUESTED)
    created_at = models.DateTimeField(_("requested at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("comp leave")
        verbose_name_plural = _("comp leave")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="compleave_hours_0_to_24"
            ),
        ]

    def __str__(self):
        return f"{self.worker} {self.date:%Y-%m-%d} {self.hours}h"

    def may_decide(self, user) -> bool:
        """Approve or refuse: the head of the worker's community, but nobody their own
        leave; a head's own leave is decided by staff of their street office."""
        if self.worker.is_head:
            return (
                user.is_active
                and user.role == Role.OFFICE
                and user.street_office_id == self.worker.community.street_office_id
            )
        return user.is_head_of(self.worker.community_id) and user.pk != self.worker_id


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarLink(models.Model):
    """The secret in a worker's private calendar address; a new one revokes the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_link",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("private calendar link")
        verbose_name_plural = _("private calendar links")

    def __str__(self):
        return str(self.user)

    def renew(self, now):
        """A new secret: the old address stops working at once."""
        self.token, self.created_at = new_calendar_token(), now
        self.save(update_fields=["token", "created_at"])
