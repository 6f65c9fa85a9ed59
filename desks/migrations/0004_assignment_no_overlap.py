"""On PostgreSQL the database itself refuses a worker on two overlapping slots.

An exclusion constraint holds even when two transactions book the same worker
at once, which no check in Python can promise. SQLite has no such constraint:
there desks.rota.assign checks inside the same write transaction (SQLite runs
one writer at a time, so the check cannot race).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE desks_assignment ADD CONSTRAINT assignment_no_overlap
    EXCLUDE USING gist (worker_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&);
"""
DROP = "ALTER TABLE desks_assignment DROP CONSTRAINT IF EXISTS assignment_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("desks", "0003_rota")]

    operations = [migrations.RunPython(create, drop)]
