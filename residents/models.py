from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from desks.models.organisation import Community
from residents import id_numbers
from residents.free_text import FreeTextField
from residents.signals import resident_anonymised

# residents imports nothing of desks but the organisation (communities and who may see
# them) and desks.core; the import contract in pyproject.toml holds it to that.

# A resident's phone finds them again (by its last digits) and tells two residents
# apart, so a landline needs its area code: "83456789" and "021-83456789" would be
# the same person registered twice. Offices', centres' and staff phones
# (desks.models.organisation.centre_phone_validator) may also be a bare local number.
resident_phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter a mainland mobile number (11 digits) or a landline such as 010-12345678."),
)

DUPLICATE_PHONE_MESSAGE = _(
    "A resident with this phone number is already registered in this community."
)
DUPLICATE_ID_NUMBER_MESSAGE = _(
    "A resident with this ID number is already registered in this community."
)

# Roles that may see sensitive tags: heads verify such facts from documents and the
# street office plans help with them; a duty worker at the counter does not need them.
SENSITIVE_TAG_ROLES = {"head", "office", "admin"}


# Roles that may see the last 4 characters of a resident's ID number. A duty worker sees
# the birth year only: the two together narrow a full number down to a few hundred
# guesses (docs/privacy.md, "What each role sees of an ID number").
ID_LAST4_ROLES = {"head", "office", "admin"}


def sees_id_number_last4(user):
    """Whether `user` is shown the masked ID number (`**************1234`)."""
    return user.is_authenticated and (user.is_superuser or user.role in ID_LAST4_ROLES)


def sees_sensitive_tags(user):
    """Whether `user` may see (and set) tags marked sensitive, e.g. disability or low income."""
    return user.is_authenticated and (user.is_superuser or user.role in SENSITIVE_TAG_ROLES)


class TagQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_sensitive_tags(user):
            return self.all()
        return self.filter(sensitive=False)


class Tag(models.Model):
    """One entry of the controlled list of resident tags (独居老人, 残疾人…).

    The list is kept by migrations, not typed by users, so that figures per tag
    stay comparable between communities.
    """

    name = models.CharField(_("name"), max_length=20, unique=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Shown only to community heads and street-office staff."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


# Fewer digits than this would match a good part of any community: a search finds nobody.
PHONE_SEARCH_MIN_DIGITS = 4


def search_key_of(text):
    """What kind of key a general search used, for its audit record: phone or name."""
    digits = text.strip().replace("-", "").replace(" ", "")
    return AccessLog.SearchKey.PHONE if digits.isdigit() else AccessLog.SearchKey.NAME


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Residents `user` may see: their own community's, or their street office's.

        Denied by default: anyone without an affiliation sees nobody. Which
        communities a user may see is decided once, by Community.objects.visible_to.
        """
        return self.filter(community__in=Community.objects.visible_to(user))

    def choosable_at(self, community_id):
        """The residents a desk of `community_id` may log a matter or a number for: its
        own, not anonymised (the desk's log form and the queue's take-a-number form)."""
        return self.filter(community_id=community_id).not_anonymised()

    def with_tags_for(self, user):
        """Prefetch each resident's tags that `user` may see into `shown_tags`."""
        return self.select_related("community").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.visible_to(user), to_attr="shown_tags")
        )

    def matching(self, text):
        """Residents found by a general desk search (by name or phone, never by ID number).

        PHONE_SEARCH_MIN_DIGITS or more digits match the end of the phone number; anything
        else is part of a name. Text shaped like an ID number is not hashed and matched:
        a search by ID number is its own, limited act (residents.id_search).
        """
        text = text.strip()
        if search_key_of(text) == AccessLog.SearchKey.PHONE:
            digits = text.replace("-", "").replace(" ", "")
            if len(digits) < PHONE_SEARCH_MIN_DIGITS:
                return self.none()
            return self.filter(phone__endswith=digits)
        return self.filter(name__contains=text)

    def with_id_number(self, number):
        """Residents whose ID number is `number` (a valid one), by its keyed hash."""
        return self.filter(id_number_hash=id_numbers.digest(number))

    def not_anonymised(self):
        return self.filter(anonymised_at__isnull=True)

    def inactive_since(self, moment):
        """Residents not yet anonymised whose last activity is before `moment`."""
        return self.filter(last_active_at__lt=moment, anonymised_at__isnull=True)


class Resident(models.Model):
    """A resident known to a community's desk. Personal information: see docs/privacy.md."""

    community = models.ForeignKey(
        "desks.Community",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("community"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[resident_phone_validator]
    )
    estate = models.CharField(_("estate (小区)"), max_length=50, blank=True)
    building = models.CharField(_("building (楼栋)"), max_length=10, blank=True)
    unit = models.CharField(_("unit (单元)"), max_length=10, blank=True)
    room = models.CharField(_("room (室)"), max_length=10, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    id_number_hash = models.CharField(
        _("ID number (keyed hash)"), max_length=64, blank=True, editable=False
    )
    id_number_last4 = models.CharField(
        _("ID number (last 4 characters)"), max_length=4, blank=True, editable=False
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents", verbose_name=_("tags"))
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True, editable=False)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    notes = FreeTextField(_("notes"), max_length=1000, blank=True)
    last_active_at = models.DateTimeField(
        _("last activity"),
        default=timezone.now,
        help_text=_("Last time the resident was added, changed or served; drives anonymisation."),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "phone"],
                condition=~Q(phone=""),
                name="resident_phone_unique_in_community",
                violation_error_message=DUPLICATE_PHONE_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["community", "id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="resident_id_number_unique_in_community",
                violation_error_message=DUPLICATE_ID_NUMBER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=(
                    Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100)
                ),
                name="resident_birth_year_plausible",
            ),
        ]

    def __str__(self):
        return self.name or str(_("(anonymised)"))

    def get_absolute_url(self):
        return reverse("residents:detail", args=[self.pk])

    @property
    def address(self):
        """The address as residents write it: 幸福小区3栋2单元501室."""
        parts = [
            (self.estate, ""),
            (self.building, "栋"),
            (self.unit, "单元"),
            (self.room, "室"),
        ]
        return "".join(f"{value}{suffix}" for value, suffix in parts if value)

    @property
    def masked_phone(self):
        """138****1234: enough to confirm with the resident, not enough to call."""
        digits = self.phone.replace("-", "")
        if len(digits) < 7:
            return "*" * len(digits)
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"

    @property
    def masked_id_number(self):
        """`**************1234`; only the last four characters are kept (docs/privacy.md)."""
        return id_numbers.masked(self.id_number_last4)

    def set_id_number(self, number):
        """Keep what finds the resident again (a keyed hash) and the last four; drop the rest."""
        if number:
            self.id_number_hash = id_numbers.digest(number)
            self.id_number_last4 = id_numbers.last_four(number)
        else:
            self.id_number_hash = self.id_number_last4 = ""

    def validate_not_registered(self):
        """Raise a ValidationError on `phone` or `id_number` if this resident is already
        registered in the community (another row, same phone or same ID number)."""
        duplicate = self.find_duplicate() if self.community_id else None
        if duplicate is None:
            return
        if self.phone and duplicate.phone == self.phone:
            raise ValidationError(
                {"phone": ValidationError(DUPLICATE_PHONE_MESSAGE, code="duplicate")}
            )
        raise ValidationError(
            {"id_number": ValidationError(DUPLICATE_ID_NUMBER_MESSAGE, code="duplicate")}
        )

    def save_unless_registered(self, **kwargs):
        """Save, or raise validate_not_registered's ValidationError when the database
        refuses the row because another desk took its phone or ID number a moment ago
        (after the form's check): a message for the worker, not an IntegrityError."""
        adding = self._state.adding
        try:
            with transaction.atomic():
                self.save(**kwargs)
        except IntegrityError:
            if adding:
                self.pk = None
            self.validate_not_registered()
            raise

    def find_duplicate(self):
        """Another resident of the same community with the same phone or ID number, if any."""
        same = Q()
        if self.phone:
            same |= Q(phone=self.phone)
        if self.id_number_hash:
            same |= Q(id_number_hash=self.id_number_hash)
        if not same:
            return None
        others = Resident.objects.filter(community_id=self.community_id).exclude(pk=self.pk)
        return others.filter(same).first()

    def record_consent(self, recorded_by, now):
        self.consent_at = now
        self.consent_recorded_by = recorded_by

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    @transaction.atomic
    def anonymise(self, now):
        """Clear everything that identifies the resident; keep the row for the statistics.

        Other apps clear what they wrote about the resident on `resident_anonymised`,
        in the same transaction: the desk empties its notes on the resident's requests.
        They are told the phone the resident had, which some of their rows hold.
        """
        phone = self.phone
        self.name = self.phone = self.estate = self.building = self.unit = self.room = ""
        self.notes = ""
        self.birth_year = None
        self.set_id_number("")
        self.anonymised_at = now
        self.save(
            update_fields=[
                "name",
                "phone",
                "estate",
                "building",
                "unit",
                "room",
                "notes",
                "birth_year",
                "id_number_hash",
                "id_number_last4",
                "anonymised_at",
                "updated_at",
            ]
        )
        self.tags.clear()
        resident_anonymised.send(sender=Resident, resident=self, now=now, phone=phone)


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records a reviewer may read: those about, or made by staff of, their street office."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.street_office_id:
            office = user.street_office_id
            return self.filter(
                Q(community__street_office_id=office)
                | Q(user__street_office_id=office)
                | Q(user__community__street_office_id=office)
            )
        if user.community_id:
            return self.filter(community_id=user.community_id)
        return self.none()

    def update(self, **kwargs):
        raise PermissionDenied("Access records cannot be changed.")

    def delete(self):
        raise PermissionDenied("Access records cannot be deleted.")


class AccessLog(models.Model):
    """Who viewed, changed or exported residents' records, when and from where.

    Append-only: the app never changes or deletes a record (see the admin and
    `save`); the street office reviews them in the admin.
    """

    class Action(models.TextChoices):
        VIEWED = "viewed", _("viewed")
        SEARCHED = "searched", _("searched (list of results)")
        ADDED = "added", _("added")
        CHANGED = "changed", _("changed")
        EXPORTED = "exported", _("exported")
        ANONYMISED = "anonymised", _("anonymised")
        ID_REFUSED = "id_refused", _("search by ID number refused (locked)")
        ID_LOCKED = "id_locked", _("searches by ID number locked")
        ID_UNLOCKED = "id_unlocked", _("searches by ID number unlocked")

    class SearchKey(models.TextChoices):
        NAME = "name", _("name")
        PHONE = "phone", _("phone")
        ID_NUMBER = "id_number", _("ID number")

    class Reason(models.TextChoices):
        """Why a worker searched by ID number: a choice, so that no free text can carry it."""

        SERVING = "serving", _("the resident is at the desk and showed their ID card")
        PHONE_CALL = "phone_call", _("the resident gave it on the phone")
        PAPERWORK = "paperwork", _("it is on a form or document being handled")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty for the automatic anonymisation."),
    )
    action = models.CharField(_("what"), max_length=12, choices=Action)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    community = models.ForeignKey(
        "desks.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    resident_count = models.PositiveIntegerField(_("number of residents"), default=1)
    changed_fields = models.CharField(
        _("changed fields"),
        max_length=300,
        blank=True,
        help_text=_("Names of the fields changed, never their values."),
    )
    ip_address = models.GenericIPAddressField(_("from (IP address)"), null=True, blank=True)
    search_key = models.CharField(
        _("searched by"),
        max_length=10,
        choices=SearchKey,
        blank=True,
        help_text=_("The kind of key a search used, never the key itself."),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("Access records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Access records cannot be deleted.")

    @classmethod
    def record(
        cls,
        action,
        *,
        user,
        ip_address,
        resident=None,
        count=1,
        changed_fields=(),
        search_key="",
        reason="",
        community_id=None,
    ):
        """Write one record; the community is the resident's, or the user's for an export."""
        if resident is not None:
            community_id = resident.community_id
        elif community_id is None:
            community_id = getattr(user, "community_id", None)
        return cls.objects.create(
            action=action,
            user=user,
            ip_address=ip_address,
            resident=resident,
            community_id=community_id,
            resident_count=count,
            changed_fields=",".join(changed_fields)[:300],
            search_key=search_key,
            reason=reason,
        )

    @classmethod
    def record_list(cls, residents, *, user, ip_address):
        """One record for a page that shows `residents` by name: a list read, never a
        record per row. A page that shows nobody records nothing; `None` (an anonymous
        row) and anonymised residents (nothing left to show) are not counted.

        Recorded as a search (a list of results) counting the distinct residents shown;
        its community is theirs when they all belong to one, else the user's.
        """
        shown = {
            resident.pk: resident.community_id
            for resident in residents
            if resident is not None and not resident.is_anonymised
        }
        if not shown:
            return None
        communities = set(shown.values())
        return cls.record(
            cls.Action.SEARCHED,
            user=user,
            ip_address=ip_address,
            count=len(shown),
            community_id=communities.pop() if len(communities) == 1 else None,
        )


class IdSearchLockQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)

    def liftable_by(self, user):
        """Locks `user` may lift: a head, those of their community's staff; street-office
        staff, those of their communities' staff and of their colleagues; never one's own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.exclude(user=user)
        if user.role == "head" and user.community_id:
            return self.filter(user__community_id=user.community_id).exclude(user=user)
        if user.role == "office" and user.street_office_id:
            office = user.street_office_id
            return self.filter(
                Q(user__community__street_office_id=office) | Q(user__street_office_id=office)
            ).exclude(user=user)
        return self.none()


class IdSearchLock(models.Model):
    """A user's searches by ID number, locked after too many misses (residents.id_search).

    Stays until a head of their community or their street office lifts it: a run of
    guesses is something a person should look at, not something that passes with time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("locked user"),
    )
    locked_at = models.DateTimeField(_("locked at"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    objects = IdSearchLockQuerySet.as_manager()

    class Meta:
        verbose_name = _("ID search lock")
        verbose_name_plural = _("ID search locks")
        ordering = ["-locked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_id_search_lock_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.locked_at:%Y-%m-%d %H:%M}"

    def may_be_lifted_by(self, user):
        return IdSearchLock.objects.liftable_by(user).filter(pk=self.pk).exists()
