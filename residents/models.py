from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# residents never imports desks: the community is referred to by name only.
resident_phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter a mainland mobile number (11 digits) or a landline such as 010-12345678."),
)


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Residents `user` may see: their own community's, or their street office's.

        Denied by default: anyone without an affiliation sees nobody.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.street_office_id:
            return self.filter(community__street_office_id=user.street_office_id)
        if user.community_id:
            return self.filter(community_id=user.community_id)
        return self.none()


class Resident(models.Model):
    """A resident known to a community's desk. Personal information: see docs/privacy.md."""

    community = models.ForeignKey(
        "desks.Community",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[resident_phone_validator]
    )
    estate = models.CharField(_("estate (小区)"), max_length=50, blank=True)
    building = models.CharField(_("building (楼栋)"), max_length=10, blank=True)
    unit = models.CharField(_("unit (单元)"), max_length=10, blank=True)
    room = models.CharField(_("room (室)"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["community", "name"]
        indexes = [models.Index(fields=["community", "phone"], name="resident_community_phone")]

    def __str__(self):
        return self.name

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
