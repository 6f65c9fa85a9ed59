import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.models.catalogue import ServiceItem
from desks.models.organisation import Community
from desks.models.rota import DutySlot
from residents.free_text import FreeCharField, FreeTextField

# Notes, resolutions and handover notes: a few paragraphs, never a pasted document.
NOTE_MAX_LENGTH = 2000
# People in one logged request: a family or a small group asking the same thing.
PEOPLE_MAX = 200


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in")
    PHONE = "phone", _("phone")
    HOME_VISIT = "home_visit", _("home visit")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("answered (咨询解答)")
    DONE = "done", _("done on the spot (当场办结)")
    ACCEPTED = "accepted", _("accepted for processing (受理)")
    REFERRED = "referred", _("referred (转办)")


# Most walk-ins are questions: the log form starts here, and so does a one-tap tile for an
# item this desk has not logged yet (desks.desk.request_log.usual_outcomes).
DEFAULT_OUTCOME = Outcome.ANSWERED


# The fields that place a request in the monthly report's kept figures (a community's
# month, and its repeat visits): remembered as loaded, so a change that moves a request
# also forgets the figures of where it was (desks.models.reports.MonthFigures).
FIGURE_FIELDS = ("community_id", "logged_at", "resident_id", "service_item_id")


class ServiceRequestQuerySet(models.QuerySet):
    def alive(self):
        """Requests that count (see ServiceRequest.alive_condition)."""
        return self.filter(ServiceRequest.alive_condition())

    def visible_to(self, user):
        """Requests of the communities `user` may see (Community.objects.visible_to)."""
        return self.filter(community__in=Community.objects.visible_to(user))

    def logged_between(self, start, end):
        return self.filter(logged_at__gte=start, logged_at__lt=end)


class ServiceRequest(models.Model):
    """One logged matter (办事登记): a walk-in, a call or a home visit handled at the desk."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="requests", verbose_name=_("community")
    )
    service_item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("service item"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("resident"),
        help_text=_("Empty for an anonymous enquiry."),
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel, default=Channel.WALK_IN
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome)
    count = models.PositiveSmallIntegerField(
        _("people"), default=1, help_text=_("For a group asking the same thing.")
    )
    notes = FreeTextField(_("notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    proxy_name = FreeCharField(
        _("acting on behalf (代办人)"),
        max_length=50,
        blank=True,
        help_text=_("Who came for the resident, e.g. 女儿 王芳."),
    )
    missing_materials = models.JSONField(
        _("missing materials"), default=list, blank=True, help_text=_("To bring next time.")
    )
    slot = models.ForeignKey(
        DutySlot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("duty slot"),
        help_text=_("Empty when logged outside the extended hours (regular hours)."),
    )
    logged_at = models.DateTimeField(
        _("logged at"),
        db_index=True,
        help_text=_("When the resident was served: what the counts go by."),
    )
    synced_at = models.DateTimeField(
        _("synced at"),
        null=True,
        blank=True,
        help_text=_(
            "When an entry kept on the desk's device while offline reached the server; "
            "empty when it arrived as it was served."
        ),
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="logged_requests",
        verbose_name=_("logged by"),
    )
    idempotency_key = models.UUIDField(
        _("form key"), unique=True, help_text=_("One per form: a resubmitted form adds nothing.")
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-logged_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1, count__lte=PEOPLE_MAX), name="request_count_1_to_200"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="request_outcome_known"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="request_channel_known"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "logged_at"], name="request_community_time"),
            # The monthly report's repeat visits look, for each request, for the same
            # resident's earlier request for the same item within 30 days. Without this
            # index each lookup scanned a month of the whole city's requests (1.3 s for
            # one street office's report at 100k requests; see benchmarks/RESULTS.md).
            models.Index(
                fields=["resident", "service_item", "logged_at"], name="request_repeat_visit"
            ),
        ]

    def __str__(self):
        return f"{self.service_item} · {self.logged_at:%Y-%m-%d %H:%M}"

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        loaded = dict(zip(field_names, values, strict=True))
        instance.figure_fields_were = {
            name: loaded[name] for name in FIGURE_FIELDS if name in loaded
        }
        return instance

    def remember_figure_fields(self) -> None:
        """After a save: the values the monthly report's kept figures now reflect."""
        self.figure_fields_were = {
            name: self.__dict__[name] for name in FIGURE_FIELDS if name in self.__dict__
        }

    @staticmethod
    def alive_condition(through: str = "") -> Q:
        """Requests that count, everywhere (lists, queues, reports): those not deleted.

        Deleted requests stay stored for the change history. `through` reaches
        requests from a related model, e.g. "request__" from a follow-up.
        """
        return Q(**{f"{through}deleted_at__isnull": True})

    @staticmethod
    def extended_hours_condition(through: str = "") -> Q:
        """Logged during a duty slot: the extended hours. Without a slot, regular office hours."""
        return Q(**{f"{through}slot__isnull": False})

    @property
    def in_extended_hours(self) -> bool:
        """`extended_hours_condition` for one request in memory."""
        return self.slot_id is not None

    @property
    def is_late_entry(self) -> bool:
        """Served after its slot ended, within the grace that still counts it for the slot
        (补录; the rule is desks.desk.request_log.slot_for). Needs the slot loaded."""
        return self.slot_id is not None and self.logged_at >= self.slot.ends_at

    @property
    def synced_late(self) -> bool:
        """Kept on the desk's device while offline and sent later (desks.desk.request_log)."""
        return self.synced_at is not None

    @property
    def follow_up_if_any(self) -> "FollowUp | None":
        """The request's follow-up, or None. `follow_up` raises when there is none, and a
        template asking it then also lists every attribute of the request (Django's
        template engine does, to tell a missing attribute from a failing property)."""
        try:
            return self.follow_up
        except FollowUp.DoesNotExist:
            return None


class RequestChange(models.Model):
    """Who changed a logged request, when, and what: kept for every edit and deletion, and
    every change of its follow-up's owner or due date (`follow_up_owner`, `follow_up_due_on`)."""

    class Action(models.TextChoices):
        EDITED = "edited", _("edited")
        DELETED = "deleted", _("deleted")
        FOLLOW_UP_CHANGED = "follow_up", _("follow-up reassigned or re-dated")

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="changes", verbose_name=_("request")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"))
    changes = models.JSONField(_("changes"), default=dict, help_text=_("field: [before, after]"))

    class Meta:
        verbose_name = _("request change")
        verbose_name_plural = _("request changes")
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%Y-%m-%d %H:%M}"


class OwnedWorkQuerySet(models.QuerySet):
    def open(self):
        return self.filter(self.model.open_condition())

    def with_overdue(self, moment: dt.datetime):
        """Annotate `is_overdue` (OwnedWork.overdue_condition at `moment`), for lists."""
        condition = OwnedWork.overdue_condition(moment)
        return self.annotate(is_overdue=ExpressionWrapper(condition, output_field=BooleanField()))


class FollowUpQuerySet(OwnedWorkQuerySet):
    def of_alive_requests(self):
        """Follow-ups of requests that count: a deleted request takes its follow-up with it."""
        return self.filter(ServiceRequest.alive_condition(through="request__"))

    def queue(self):
        """Open follow-ups, the most overdue first."""
        return self.open().order_by("due_on", "created_at")


class OwnedWork(models.Model):
    """Work a named person owns after the slot, with a due date, closed with what was done."""

    due_on = models.DateField(_("due on"))
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    resolution = FreeTextField(_("what was done"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        abstract = True

    @staticmethod
    def open_condition(through: str = "") -> Q:
        """Open: not closed yet. `through` reaches the work from a related model."""
        return Q(**{f"{through}closed_at__isnull": True})

    @staticmethod
    def closed_on_time_condition(through: str = "") -> Q:
        """Closed on its due date (local day) or before: what the report's response rate
        counts. `through` reaches the work from a related model."""
        return Q(**{f"{through}closed_at__date__lte": F(f"{through}due_on")})

    @staticmethod
    def overdue_condition(moment: dt.datetime, day: dt.date | None = None) -> Q:
        """Overdue at `moment`: open then, and due on an earlier local day.

        Work due today is not overdue until tomorrow. With a past `moment` it
        answers what was overdue then (the report's "overdue at month end").
        `day` is `moment`'s local day, for a caller that compiles the query
        (desks.core.compiled takes values as they are, not computed from).
        """
        day = timezone.localdate(moment) if day is None else day
        return Q(created_at__lt=moment, due_on__lt=day) & (
            Q(closed_at__isnull=True) | Q(closed_at__gt=moment)
        )

    @property
    def community_of_work(self) -> int:
        """The id of the community whose work this is (each kind says how it knows)."""
        raise NotImplementedError

    def may_be_closed_by(self, user) -> bool:
        """Its owner closes it, or a head of its community (who may close anyone's)."""
        return self.owner_id == user.pk or user.is_head_of(self.community_of_work)

    def may_be_reassigned_by(self, user) -> bool:
        """Only a head of its community gives it to someone else or moves its due date."""
        return user.is_head_of(self.community_of_work)

    def close(self, user, now, resolution: str) -> None:
        self.closed_at, self.closed_by, self.resolution = now, user, resolution
        self.save(update_fields=["closed_at", "closed_by", "resolution"])
        self.is_overdue = False  # as `with_overdue` would now annotate it


class FollowUp(OwnedWork):
    """A request that needs more work after the slot (待跟进), owned by a named worker."""

    request = models.OneToOneField(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="follow_up",
        verbose_name=_("request"),
    )
    # The request's community, copied (save() fills it in): the monthly report and the
    # queues find an office's follow-ups by their own index. Through the request,
    # PostgreSQL read every request the office ever logged to find ~100 live
    # follow-ups: 100 ms of the report's 330 (benchmarks/RESULTS.md).
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        editable=False,
        verbose_name=_("community"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(resolution=""),
                name="followup_closed_with_resolution",
            ),
        ]
        indexes = [models.Index(fields=["owner", "closed_at"], name="followup_owner_open")]

    def __str__(self):
        return f"{self.request} → {self.owner}"

    def save(self, *args, update_fields=None, **kwargs):
        """The community is always the request's (see `community`)."""
        if update_fields is None or "request" in update_fields:
            self.community_id = self.request.community_id
            if update_fields is not None:
                update_fields = {*update_fields, "community"}
        super().save(*args, update_fields=update_fields, **kwargs)

    @staticmethod
    def open_condition(through: str = "") -> Q:
        """Open, and of a request that still counts: a deleted request takes its follow-up."""
        return OwnedWork.open_condition(through) & ServiceRequest.alive_condition(
            through=f"{through}request__"
        )

    @property
    def community_of_work(self) -> int:
        return self.community_id
