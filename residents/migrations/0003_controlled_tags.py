from django.db import migrations

# The controlled list of resident tags: (name, sensitive). Sensitive tags reveal
# health, income or living alone, and are shown only to heads and the street office.
TAGS = [
    ("独居老人", True),
    ("空巢老人", True),
    ("残疾人", True),
    ("低保户", True),
    ("特困人员", True),
    ("优抚对象", False),
    ("外来务工", False),
    ("新就业群体", False),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("residents", "Tag")
    for position, (name, sensitive) in enumerate(TAGS):
        Tag.objects.update_or_create(
            name=name, defaults={"sensitive": sensitive, "position": position}
        )


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0002_privacy"),
    ]

    operations = [
        migrations.RunPython(add_tags, migrations.RunPython.noop),
    ]
