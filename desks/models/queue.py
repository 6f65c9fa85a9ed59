"""The walk-in queue (叫号): a numbered ticket per resident and matter, per community and day."""

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from desks.models.catalogue import ServiceItem
from desks.models.organisation import Community
from desks.models.requests import ServiceRequest

# The ticket's token: what the resident's page is found by, and nothing else is.
TOKEN_BYTES = 24
TOKEN_MAX_LENGTH = 64
# Counters (窗口) a desk can call to; the TV says which one.
COUNTERS = 3


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called")
    SKIPPED = "skipped", _("skipped (过号)")
    SERVED = "served", _("served")


class QueueTicketQuerySet(models.QuerySet):
    def of_day(self, community_id: int, day):
        return self.filter(community_id=community_id, day=day)

    def waiting(self):
        return self.filter(status=TicketStatus.WAITING)

    def visible_to(self, user):
        return self.filter(community__in=Community.objects.visible_to(user))

    def in_call_order(self, now):
        """Waiting tickets in the order the desk calls them at `now`: booked arrivals whose
        time has come first (by booked time), then walk-ins by number, then booked
        arrivals still early (by booked time)."""
        return self.annotate(
            call_rank=Case(
                When(due_at__lte=now, then=Value(0)),
                When(due_at__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("call_rank", "due_at", "number")

    def ahead_of(self, ticket: "QueueTicket", now):
        """The waiting tickets the desk calls before `ticket` at `now` (in_call_order)."""
        due = Q(due_at__lte=now)
        walk_in = Q(due_at__isnull=True)
        if ticket.due_at is not None and ticket.due_at <= now:
            before = due & (
                Q(due_at__lt=ticket.due_at) | Q(due_at=ticket.due_at, number__lt=ticket.number)
            )
        elif ticket.due_at is None:
            before = due | (walk_in & Q(number__lt=ticket.number))
        else:
            before = (
                due
                | walk_in
                | Q(due_at__lt=ticket.due_at)
                | Q(due_at=ticket.due_at, number__lt=ticket.number)
            )
        return (
            self.of_day(ticket.community_id, ticket.day)
            .waiting()
            .filter(before)
            .exclude(pk=ticket.pk)
        )


class QueueTicket(models.Model):
    """A number taken for one matter (取号), at the desk or by the resident at the door.

    Numbers run from 1 each day at each community; the resident's page is reached only
    through `token`. A ticket naming a resident is resident data (docs/privacy.md).
    """

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("community")
    )
    day = models.DateField(_("day"))
    number = models.PositiveSmallIntegerField(_("number"))
    service_item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("service item"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("resident"),
    )
    token = models.CharField(_("token"), max_length=TOKEN_MAX_LENGTH, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus, default=TicketStatus.WAITING
    )
    taken_at = models.DateTimeField(_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
        help_text=_("Empty: the resident took it at the door."),
    )
    due_at = models.DateTimeField(
        _("booked time"),
        null=True,
        blank=True,
        help_text=_("A booked arrival is called first once its time has come."),
    )
    called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )
    counter = models.PositiveSmallIntegerField(_("counter"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    request = models.OneToOneField(
        ServiceRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("request"),
    )
    booking = models.OneToOneField(
        "desks.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket",
        verbose_name=_("booking"),
        help_text=_("A booked resident who arrived (到了) joins the queue with this ticket."),
    )

    objects = QueueTicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue ticket (叫号)")
        verbose_name_plural = _("queue tickets (叫号)")
        ordering = ["-day", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "number"], name="queueticket_one_number_a_day"
            ),
            models.CheckConstraint(
                condition=Q(status=TicketStatus.WAITING) | Q(called_at__isnull=False),
                name="queueticket_called_when_past_waiting",
            ),
            models.CheckConstraint(
                condition=~Q(status=TicketStatus.SERVED) | Q(served_at__isnull=False),
                name="queueticket_served_at_when_served",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "day", "status"], name="queueticket_day_status"),
        ]

    def __str__(self):
        return f"{self.community} · {self.day} · {self.label}"

    @property
    def label(self) -> str:
        """The number as it is read aloud and shown: A012 for a walk-in, B012 for a booking."""
        return f"{'B' if self.due_at else 'A'}{self.number:03d}"

    @property
    def is_waiting(self) -> bool:
        return self.status == TicketStatus.WAITING

    @property
    def is_called(self) -> bool:
        return self.status == TicketStatus.CALLED

    @property
    def is_done(self) -> bool:
        return self.status == TicketStatus.SERVED

    @property
    def waited(self):
        """Taken to first called (the report's waiting time), or None while not called."""
        return self.called_at - self.taken_at if self.called_at else None
