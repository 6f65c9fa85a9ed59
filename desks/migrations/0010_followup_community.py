"""Follow-ups carry their request's community, so an office's are found by their own index.

The column becomes required in 0011: on PostgreSQL, filling a foreign key and making
it NOT NULL in one transaction fails on the pending constraint checks.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_community_from_request(apps, schema_editor):
    FollowUp = apps.get_model("desks", "FollowUp")
    ServiceRequest = apps.get_model("desks", "ServiceRequest")
    FollowUp.objects.update(
        community_id=Subquery(
            ServiceRequest.objects.filter(pk=OuterRef("request_id")).values("community_id")
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("desks", "0009_voice_rounds_votes_ratings_call_backs"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="community",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_ups",
                to="desks.community",
                verbose_name="community",
            ),
        ),
        migrations.RunPython(copy_community_from_request, migrations.RunPython.noop),
    ]
