import datetime as dt

from django.conf import settings
from django.db import connection, models
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.models.organisation import Community
from desks.models.requests import FIGURE_FIELDS, FollowUp, ServiceRequest


class ExportRecord(models.Model):
    """Who exported which figures, and when. Written by the export view, never edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    exported_at = models.DateTimeField(_("at"))
    what = models.CharField(_("what"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-exported_at"]
        default_permissions = ("view",)
        permissions = [
            ("view_reports", _("Can view the monthly reports")),
            ("export_reports", _("Can export the monthly reports")),
        ]

    def __str__(self):
        return f"{self.exported_at:%Y-%m-%d %H:%M} {self.user} {self.what} ({self.file_format})"


# A late entry (补录) or an edit may reach a month back this far for the report's repeat
# visits: a request counts as a repeat when the same resident came for the same item
# within this window before it (desks.reports.monthly).
REPEAT_WINDOW = dt.timedelta(days=30)

# A month's figures are kept once it has been over this long: a change that began
# while the month was still open has committed by then (see MonthFigures).
KEEP_AFTER = dt.timedelta(hours=1)


def first_of_local_month(moment: dt.datetime | dt.date) -> dt.date:
    """The first day of the local month of an aware `moment`, or of a day."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def month_has_ended(first_day: dt.date, moment: dt.datetime) -> bool:
    """Whether the local month starting on `first_day` ended at or before `moment`."""
    return first_of_local_month(moment) > first_day


class MonthFigures(models.Model):
    """One community's figures for one closed month, so the report reads them instead of
    scanning the month's requests, slots, duty, bookings and queue tickets again
    (desks.reports.rollup computes them).

    A closed month still changes: a late entry, an edit, a deletion, a rating or a
    follow-up closed later, a check-in confirmed by the head, a booking honoured late,
    a closure entered for a past day. Every save or delete of a request, follow-up,
    rating, call-back, slot, assignment, booking or queue ticket that touches a month
    that has ended, every bulk write of them and every change of the opening hours
    calls `forget`, in the same transaction: it bumps `generation` and empties
    `figures`. The report stores what it computed only if the generation it read is
    still the stored one, so figures computed from data older than a change committed
    meanwhile are never kept.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    generation = models.PositiveIntegerField(default=0)
    figures = models.JSONField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="month_figures_unique")
        ]

    def __str__(self):
        return f"{self.community_id} {self.month:%Y-%m}"

    @classmethod
    def forget(cls, touched, now: dt.datetime | None = None) -> None:
        """Forget the kept figures of each (community id, moment) in `touched` whose month
        has ended (a moment may be a day). One statement, nothing when every moment is in
        an open month (the desk's saves of tonight)."""
        now = now or timezone.now()
        months = {
            (community_id, first_of_local_month(moment))
            for community_id, moment in touched
            if community_id is not None and moment is not None
        }
        months = sorted((c, m) for c, m in months if month_has_ended(m, now))
        if not months:
            return
        table = connection.ops.quote_name(cls._meta.db_table)
        rows = ", ".join(["(%s, %s, 1)"] * len(months))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (community_id, month, generation) VALUES {rows} "
                "ON CONFLICT (community_id, month) DO UPDATE "
                f"SET generation = {table}.generation + 1, figures = NULL",
                [value for pair in months for value in pair],
            )


def _touched_by_request(request) -> set[tuple[int, dt.datetime]]:
    """The (community, moment) pairs whose figures a change of `request` may move: its
    month before and after the change, and the later visits of its resident for its item
    within REPEAT_WINDOW (whether they are repeats depends on it)."""
    now = timezone.now()
    loaded = {name: request.__dict__[name] for name in FIGURE_FIELDS if name in request.__dict__}
    if len(loaded) < len(FIGURE_FIELDS):  # saved with deferred fields: ask once
        loaded = ServiceRequest.objects.filter(pk=request.pk).values(*FIGURE_FIELDS).first() or {}
    states = [loaded, getattr(request, "figure_fields_were", {})]
    touched = {(state.get("community_id"), state.get("logged_at")) for state in states}
    for state in states:
        moment, resident_id = state.get("logged_at"), state.get("resident_id")
        # Later visits are in a month that has ended only if this one's has.
        if resident_id is None or moment is None:
            continue
        if not month_has_ended(first_of_local_month(moment), now):
            continue
        touched |= set(
            ServiceRequest.objects.filter(
                resident_id=resident_id,
                service_item_id=state.get("service_item_id"),
                logged_at__gt=moment,
                logged_at__lte=moment + REPEAT_WINDOW,
            ).values_list("community_id", "logged_at")
        )
    return touched


def _request_changed(sender, instance, **kwargs):
    MonthFigures.forget(_touched_by_request(instance))
    instance.remember_figure_fields()


def _request_of(instance) -> set[tuple[int, dt.datetime]]:
    """(community, logged_at) of the request behind a follow-up, rating or call-back:
    from memory when it is loaded (a follow-up saved with its new request), else one query."""
    from desks.models.voice import CallBack, Rating

    if isinstance(instance, CallBack):
        rating = instance.rating if CallBack.rating.is_cached(instance) else None
        if rating is not None and Rating.request.is_cached(rating):
            request = rating.request
            return {(request.community_id, request.logged_at)}
        requests = ServiceRequest.objects.filter(rating__pk=instance.rating_id)
    elif type(instance).request.is_cached(instance):
        return {(instance.request.community_id, instance.request.logged_at)}
    else:
        requests = ServiceRequest.objects.filter(pk=instance.request_id)
    return set(requests.values_list("community_id", "logged_at"))


def _work_changed(sender, instance, **kwargs):
    MonthFigures.forget(_request_of(instance))


# Where a row counts in the report: (its community, the moment or day placing it in a
# month), by model. An assignment counts in its slot's community.
PLACES = {
    "DutySlot": ("community_id", "starts_at"),
    "Booking": ("community_id", "day"),
    "QueueTicket": ("community_id", "taken_at"),
    "Assignment": ("slot_id", "starts_at"),
}


def _place(instance) -> tuple:
    owner, moment = PLACES[type(instance).__name__]
    return instance.__dict__.get(owner), instance.__dict__.get(moment)


def _remember_place(sender, instance, **kwargs):
    """post_init (a row loaded or made) and after each save: where the row counted, so
    that a change that moves it forgets the month it left too."""
    instance.place_was = _place(instance)


def _placed_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= QUIET_FIELDS.get(sender.__name__, set()):
        return
    places = {_place(instance), getattr(instance, "place_was", (None, None))}
    if sender.__name__ == "Assignment":
        places = _slot_places(instance, places)
    MonthFigures.forget(places)
    instance.place_was = _place(instance)


def _slot_places(assignment, places) -> set:
    """(community, moment) of an assignment's places (slot, moment): its slot's community,
    asked of the database only when a moment is in a month that has ended."""
    now = timezone.now()
    ended = {
        (slot_id, moment)
        for slot_id, moment in places
        if moment is not None and month_has_ended(first_of_local_month(moment), now)
    }
    if not ended:
        return set()
    from desks.models.rota import Assignment, DutySlot

    slot = assignment.slot if Assignment.slot.is_cached(assignment) else None
    communities = {slot.pk: slot.community_id} if slot is not None else {}
    missing = {slot_id for slot_id, _moment in ended if slot_id not in communities}
    if missing:
        communities |= dict(
            DutySlot.objects.filter(pk__in=missing).values_list("pk", "community_id")
        )
    return {(communities.get(slot_id), moment) for slot_id, moment in ended}


# Fields a save may name without moving any kept figure: nothing to forget then.
QUIET_FIELDS = {
    "DutySlot": {"handover_note", "clashes", "sequence"},
    "Booking": {"name", "phone", "anonymised_at", "resident"},
    "QueueTicket": {"status", "last_called_at", "called_by", "counter", "resident"},
    "Assignment": {"checked_out_at"},
}


def forget_slot_months(communities: models.Q, first: dt.date | None, last: dt.date | None):
    """A change of the opening hours from `first` to `last` (None: no bound) for the
    communities `communities` selects: whether their slots of those days were held may
    have changed, so the ended months in which they have slots are forgotten. One query
    for the months, one statement to forget them; nothing for days of open months."""
    from desks.models.rota import DutySlot

    # A row saved with its date as text (a fixture, a form's cleaned value) gives text.
    first, last = (dt.date.fromisoformat(d) if isinstance(d, str) else d for d in (first, last))
    this_month = first_of_local_month(timezone.now())
    last = min(last, this_month - dt.timedelta(days=1)) if last else this_month - dt.timedelta(1)
    days = models.Q(date__lte=last) & (models.Q(date__gte=first) if first else models.Q())
    if first and first > last:
        return
    slots = DutySlot.objects.filter(days, community__in=Community.objects.filter(communities))
    months = slots.annotate(first_day=TruncMonth("date")).values_list("community_id", "first_day")
    MonthFigures.forget(set(months.distinct()))


def connect_receivers() -> None:
    """Called once from DesksConfig.ready."""
    from desks.models.booking import Booking
    from desks.models.queue import QueueTicket
    from desks.models.rota import Assignment, DutySlot
    from desks.models.voice import CallBack, Rating

    for signal in (post_save, post_delete):
        signal.connect(_request_changed, sender=ServiceRequest, dispatch_uid="figures.request")
        for model in (FollowUp, Rating, CallBack):
            signal.connect(_work_changed, sender=model, dispatch_uid=f"figures.{model.__name__}")
        for model in (DutySlot, Assignment, Booking, QueueTicket):
            signal.connect(_placed_changed, sender=model, dispatch_uid=f"figures.{model.__name__}")
    for model in (DutySlot, Assignment, Booking, QueueTicket):
        post_init.connect(_remember_place, sender=model, dispatch_uid=f"figures.{model.__name__}")
