"""Every private calendar token is renewed: the old address carried it in a query string,
which access logs kept, and that address now answers 410 (copy the new link from /desk/me/)."""

import secrets

from django.db import migrations
from django.utils import timezone


def renew_every_token(apps, schema_editor):
    CalendarLink = apps.get_model("desks", "CalendarLink")
    now = timezone.now()
    for link in CalendarLink.objects.only("pk").iterator():
        CalendarLink.objects.filter(pk=link.pk).update(
            token=secrets.token_urlsafe(32), created_at=now
        )


class Migration(migrations.Migration):
    dependencies = [
        ("desks", "0016_free_text_masks_id_numbers"),
    ]

    operations = [
        migrations.RunPython(renew_every_token, migrations.RunPython.noop),
    ]
