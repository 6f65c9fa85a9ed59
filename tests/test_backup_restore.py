"""The restore drill of docs/deploy.md, performed: dump, restore into a new database, compare."""

import os
import shutil
import subprocess
import uuid

import pytest
from django.db import connection

from tests.factories import make_community, make_resident, make_service_item, make_user
from tests.servers import app_server, manage, page

pytestmark = pytest.mark.django_db(transaction=True)


def _pg(command, *args, database, settings):
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    where = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    where += ["-U", db.get("USER") or "postgres"]
    return subprocess.run(
        [command, *where, *args, *([database] if database else [])],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _row_counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL")
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_a_dump_restores_into_a_new_database_with_every_row(settings, tmp_path):
    community = make_community()
    make_user(community=community)
    make_resident(community=community)
    make_service_item()
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "servicedesk.dump"
    _pg("pg_dump", "--format=custom", f"--file={dump}", database=source, settings=settings)

    # Named after the test database, so a run only ever touches its own databases.
    copy = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    _pg("psql", "-qc", f"CREATE DATABASE {copy}", database="postgres", settings=settings)
    try:
        _pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={copy}", str(dump),
            database="", settings=settings)  # fmt: skip
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            original = _row_counts(cursor, tables)
        restored = {}
        for table in tables:
            out = _pg("psql", "-Atc", f'SELECT count(*) FROM "{table}"', database=copy,
                      settings=settings).stdout  # fmt: skip
            restored[table] = int(out.strip())
        assert restored == original
        assert original["desks_community"] >= 1 and original["residents_resident"] == 1
    finally:
        _pg("psql", "-qc", f"DROP DATABASE IF EXISTS {copy}", database="postgres",
            settings=settings)  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_restore needs PostgreSQL")
@pytest.mark.skipif(not shutil.which("pg_restore"), reason="pg_restore is not installed")
def test_a_restore_as_documented_belongs_to_the_app_role_which_migrates_and_serves_it(
    settings, tmp_path
):
    """docs/deploy.md: `createdb -O <app role>`, then `pg_restore --no-owner --role=<app role>`
    run by the superuser. The app role (not a superuser) owns every table, so `migrate`
    (which alters them) and the app itself work; restored with `--no-owner` alone, every
    table belonged to the superuser and the app got "permission denied"."""
    community = make_community(name="恢复社区")
    make_resident(community=community)
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "servicedesk.dump"
    _pg("pg_dump", "--format=custom", f"--file={dump}", database=source, settings=settings)

    suffix = uuid.uuid4().hex[:8]
    role, copy = f"sd_app_{suffix}", f"{source}_restore_{suffix}"
    _pg("psql", "-qc", f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
        database="postgres", settings=settings)  # fmt: skip
    try:
        _pg("psql", "-qc", f"CREATE DATABASE {copy} OWNER {role}", database="postgres",
            settings=settings)  # fmt: skip
        _pg("pg_restore", "--no-owner", f"--role={role}", "--exit-on-error", f"--dbname={copy}",
            str(dump), database="", settings=settings)  # fmt: skip

        others = _pg("psql", "-Atc", "SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                     " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                     f" AND pg_get_userbyid(c.relowner) <> '{role}'",
                     database=copy, settings=settings).stdout  # fmt: skip
        assert others.split() == []

        db = settings.DATABASES["default"]
        url = f"postgres://{role}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{copy}"
        as_app = {"DATABASE_URL": url, "CACHE_URL": "dummycache://"}
        # Back one migration and forward again: DDL on restored tables, as a release does.
        manage(as_app, "migrate", "desks", "0014", "--no-input", "-v0")
        manage(as_app, "migrate", "--no-input", "-v0")
        assert "[ ]" not in manage(as_app, "showmigrations")
        with app_server(as_app) as base:
            assert "恢复社区" in page(f"{base}/c/{community.slug}/")
    finally:
        # FORCE: a server that did not stop cleanly may still hold a connection.
        _pg("psql", "-qc", f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)", database="postgres",
            settings=settings)  # fmt: skip
        _pg("psql", "-qc", f"DROP ROLE IF EXISTS {role}", database="postgres", settings=settings)
