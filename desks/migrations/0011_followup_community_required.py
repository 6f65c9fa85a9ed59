import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desks", "0010_followup_community"),
    ]

    operations = [
        migrations.AlterField(
            model_name="followup",
            name="community",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_ups",
                to="desks.community",
                verbose_name="community",
            ),
        ),
    ]
