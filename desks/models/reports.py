from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
