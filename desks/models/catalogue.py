from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin


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

    def matching(self, text):
        """Items whose name contains `text`, or whose pinyin (initials or full) does: 医保, ybcb."""
        text = text.strip()
        if not text:
            return self.none()
        return self.filter(Q(name__icontains=text) | Q(pinyin__contains=text.lower()))

    def in_extended_hours(self):
        return self.active().filter(offered_in_extended_hours=True)

    def bookable(self):
        """Items residents may book a window for (预约): offered in extended hours."""
        return self.in_extended_hours().filter(bookable=True)


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
    bookable = models.BooleanField(
        _("bookable"),
        default=False,
        help_text=_("Residents may book an extended-hours window for it (预约)."),
    )
    booking_limit = models.PositiveSmallIntegerField(
        _("bookings per window"),
        null=True,
        blank=True,
        help_text=_(
            "At most this many bookings of this item in one window, for an item that takes "
            "long. Empty: only the centre's limit."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    pinyin = models.CharField(
        _("pinyin"),
        max_length=300,
        editable=False,
        default="",
        help_text=_("Initials and full pinyin of the name, so the desk can search either."),
    )

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["category__position", "position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pinyin = pinyin_of(self.name)
        if (fields := kwargs.get("update_fields")) is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "pinyin"}
        super().save(*args, **kwargs)

    @property
    def material_list(self):
        return _lines(self.materials)

    @property
    def step_list(self):
        return _lines(self.steps)


def pinyin_of(name):
    """ "jmybcbdj juminyibaocanbaodengji" for 居民医保参保登记."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
    return f"{initials} {''.join(lazy_pinyin(name))}".lower()


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]
