"""Residents' voice: they vote for the evening menu (点单) and rate the service (好差评)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from desks.models.catalogue import ServiceItem
from desks.models.organisation import Community
from desks.models.requests import OwnedWork, OwnedWorkQuerySet, ServiceRequest
from residents.free_text import FreeCharField, FreeTextField

WISH_MAX_LENGTH = 50
COMMENT_MAX_LENGTH = 500
MENU_SIZE = 8
RATING_VALID_FOR = dt.timedelta(days=7)


class VotingRoundQuerySet(models.QuerySet):
    def open_at(self, moment):
        """Rounds taking votes at `moment`: opened, and not closed yet (half-open)."""
        return self.filter(opens_at__lte=moment).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=moment)
        )

    def visible_to(self, user):
        return self.filter(community__in=Community.objects.visible_to(user))


class VotingRound(models.Model):
    """A time when a community's residents vote for the services they want in extended hours."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="voting_rounds",
        verbose_name=_("community"),
    )
    title = models.CharField(
        _("title"), max_length=100, help_text=_("Shown to residents, e.g. 2026年秋季居民点单.")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("Empty: open until someone closes it.")
    )

    objects = VotingRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("voting round (点单)")
        verbose_name_plural = _("voting rounds (点单)")
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "title"], name="votinground_unique_title"),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=F("opens_at")),
                name="votinground_closes_after_it_opens",
                violation_error_message=_("A round must close after it opens."),
            ),
        ]

    def __str__(self):
        return f"{self.community} · {self.title}"

    def is_open(self, moment) -> bool:
        return self.opens_at <= moment and (self.closes_at is None or moment < self.closes_at)

    def ranking(self):
        """Service items by votes, most first; wishes not yet mapped to an item are left out."""
        return (
            ServiceItem.objects.filter(votes__round=self)
            .annotate(votes_count=Count("votes"))
            .order_by("-votes_count", "category__position", "position", "pk")
        )


class Vote(models.Model):
    """One device's vote in a round: a catalogue item, or a short wish staff map to an item.

    No personal data: the device is known only by a keyed hash of a random cookie.
    """

    round = models.ForeignKey(
        VotingRound, on_delete=models.CASCADE, related_name="votes", verbose_name=_("round")
    )
    service_item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("service item"),
        help_text=_("For a wish, the item staff judged it to mean."),
    )
    wish = FreeCharField(_("wish"), max_length=WISH_MAX_LENGTH, blank=True)
    device_hash = models.CharField(_("device"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("voted at"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "device_hash"], name="vote_once_per_device"),
            models.CheckConstraint(
                condition=Q(service_item__isnull=False) | ~Q(wish=""),
                name="vote_for_an_item_or_a_wish",
            ),
        ]

    def __str__(self):
        return self.wish or str(self.service_item)


class MenuItem(models.Model):
    """A service on the evening menu staff picked after a round (居民点单、社区买单)."""

    round = models.ForeignKey(
        VotingRound, on_delete=models.CASCADE, related_name="menu", verbose_name=_("round")
    )
    service_item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("service item")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("evening menu item")
        verbose_name_plural = _("evening menu")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "service_item"], name="menuitem_once"),
        ]

    def __str__(self):
        return str(self.service_item)


class RatingInvitation(models.Model):
    """The link (and QR code) a resident rates one request with; valid for 7 days."""

    request = models.OneToOneField(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="rating_invitation",
        verbose_name=_("request"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("rating invitation")
        verbose_name_plural = _("rating invitations")

    def __str__(self):
        return f"{self.request} ({self.expires_at:%Y-%m-%d})"

    def has_expired(self, moment) -> bool:
        return moment >= self.expires_at


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("very satisfied (非常满意)")
    SATISFIED = 4, _("satisfied (满意)")
    FAIRLY_SATISFIED = 3, _("fairly satisfied (基本满意)")
    DISSATISFIED = 2, _("dissatisfied (不满意)")
    VERY_DISSATISFIED = 1, _("very dissatisfied (非常不满意)")


# 满意 or better counts as satisfied; 不满意 or worse asks for a call-back.
SATISFIED_FROM = Level.SATISFIED
CALL_BACK_UP_TO = Level.DISSATISFIED


class Rating(models.Model):
    """A resident's rating of one request (好差评). One per request, never edited."""

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.CASCADE, related_name="rating", verbose_name=_("request")
    )
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level)
    comment = FreeTextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating (好差评)")
        verbose_name_plural = _("ratings (好差评)")
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_level_display()}"

    @property
    def needs_call_back(self) -> bool:
        return self.level <= CALL_BACK_UP_TO


class CallBackQuerySet(OwnedWorkQuerySet):
    def visible_to(self, user):
        return self.filter(rating__request__community__in=Community.objects.visible_to(user))


class CallBack(OwnedWork):
    """A call back (回访) to a resident who rated 不满意 or worse, owed by the community head.

    Its own model, not a FollowUp: a request may already have a follow-up for
    the matter itself, and a call-back is about the service, owned by the head.
    """

    rating = models.OneToOneField(
        Rating, on_delete=models.CASCADE, related_name="call_back", verbose_name=_("rating")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="call_backs",
        verbose_name=_("owner"),
    )

    objects = CallBackQuerySet.as_manager()

    class Meta:
        verbose_name = _("call-back (回访)")
        verbose_name_plural = _("call-backs (回访)")
        ordering = ["due_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(resolution=""),
                name="callback_closed_with_resolution",
            ),
        ]

    def __str__(self):
        return f"{self.rating} → {self.owner}"

    @property
    def community_of_work(self) -> int:
        return self.rating.request.community_id
