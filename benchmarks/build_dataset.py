"""Build a city-sized dataset on PostgreSQL with COPY, fast.

    .venv/bin/python benchmarks/build_dataset.py --database servicedesk_bench --scale 1

Scale 1 is a city: 50 street offices, 1,000 communities, 8,000 duty workers (plus a
head per community and two staff per office), 200 residents per community, two
years of duty slots (weekday evenings, weekend days), assignments for the last six
months, and 2,000,000 requests (90% inside a slot, 10% in regular hours; 3% with a
follow-up). --scale 0.1 is a tenth of everything. The database is dropped and
created again (only databases named servicedesk_bench*), migrated, then filled.

Every worker can log in with the password BENCH_PASSWORD; the first worker of each
community is `w<community>-1`, the office staff `office<office>-1`.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-2026"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no daylight saving
CHUNK = 50_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="Show no progress (a bar on a terminal, plain lines otherwise).",
    )
    args = parser.parse_args()
    if not args.database.startswith("servicedesk_bench"):
        parser.error("only databases named servicedesk_bench* may be rebuilt")

    started = time.monotonic()
    for sql in (
        f"DROP DATABASE IF EXISTS {args.database}",
        f"CREATE DATABASE {args.database}",
        # As docs/deploy.md tunes production: the data lives in memory or on SSD, so
        # an index lookup costs about what a sequential read does.
        f"ALTER DATABASE {args.database} SET random_page_cost = 1.1",
    ):
        subprocess.run(["psql", *PG, "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"migrated in {time.monotonic() - started:.1f} s")
    counts = Builder(args.scale, random.Random(args.seed), not args.no_progress).build()
    elapsed = time.monotonic() - started
    print("rows:", ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print(f"built {args.database} at scale {args.scale} in {elapsed:.0f} s")


class Builder:
    def __init__(self, scale, rng, show_progress=True):
        self.scale = scale
        self.show_progress = show_progress
        self.rng = rng
        self.offices = max(1, round(50 * scale))
        self.communities = max(1, round(1000 * scale))
        self.workers_per_community = 8
        self.residents_per_community = 200
        self.requests = max(100, round(2_000_000 * scale))
        self.today = dt.date.today()
        self.first_day = self.today - dt.timedelta(days=730)
        self.counts = {}

    def build(self):
        from django.contrib.auth.hashers import make_password
        from django.db import connection

        self.password = make_password(BENCH_PASSWORD)
        with connection.cursor() as cursor:
            self.cursor = cursor
            # The rows are made consistent here (every id they point at is copied first):
            # PostgreSQL's foreign-key triggers, one lookup per row and key, were most of
            # the province's build (10 M requests × 4 keys). A superuser may skip them for
            # this session, as pg_restore does with --disable-triggers.
            cursor.execute("SET session_replication_role = replica")
            self.catalogue()
            self.organisation()
            self.residents()
            self.slots()
            self.requests_and_follow_ups()
            cursor.execute("SET session_replication_role = DEFAULT")
            # What a DBA does after a bulk load (autovacuum would, later): statistics for
            # the planner, and the visibility map, without which no index-only scan is
            # possible and the first reads of every page would write hint bits.
            cursor.execute("VACUUM (ANALYZE)")
        return self.counts

    def copy(self, table, columns, rows, total=None):
        """COPY rows (tuples of already-formatted text) into table, in chunks.

        Columns the rows leave out get their model field's default, so a field added
        with a default later does not break the build. Progress goes to stderr: a bar
        on a terminal, plain lines in a log (`total` rows, if `rows` has no length).
        """
        from desks.core.progress import track

        rows = track(rows, table, sys.stderr, total, self.show_progress)
        defaults = _defaults_of(table, columns)
        columns = [*columns, *(field.column for field in defaults)]
        n = 0
        with self.cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for row in rows:
                if defaults:
                    row = (*row, *(_copy_text(field.get_default()) for field in defaults))
                buffer.write("\t".join(row))
                buffer.write("\n")
                n += 1
                if n % CHUNK == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        self.counts[table] = self.counts.get(table, 0) + n
        # Keep identity sequences ahead of the copied ids, so the app can insert after us.
        self.cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )

    def catalogue(self):
        from desks.models.catalogue import pinyin_of

        categories = ["社会保障", "卫生健康", "便民服务", "民政救助", "矛盾调解", "党群服务"]
        self.copy(
            "desks_servicecategory",
            ["id", "name", "position"],
            ((str(i), name, str(i)) for i, name in enumerate(categories, 1)),
        )
        items = []
        for i in range(1, 37):
            name = f"事项{i:02d}居民医保参保登记" if i % 3 == 0 else f"事项{i:02d}证明开具"
            items.append(
                (
                    str(i),
                    str((i - 1) % len(categories) + 1),
                    name,
                    "",
                    "身份证原件\\n户口本原件",
                    "",
                    "t" if i % 2 else "f",
                    "t",
                    "t",
                    str(i),
                    pinyin_of(name),
                )
            )
        self.copy(
            "desks_serviceitem",
            [
                "id",
                "category_id",
                "name",
                "summary",
                "materials",
                "steps",
                "finishable_at_desk",
                "offered_in_extended_hours",
                "is_active",
                "position",
                "pinyin",
            ],
            items,
        )
        self.items = list(range(1, 37))
        # A few items are far more common than the rest, as at a real desk.
        self.item_weights = [30 if i <= 4 else 10 if i <= 12 else 2 for i in self.items]

    def organisation(self):
        self.copy(
            "desks_streetoffice",
            [
                "id",
                "name",
                "slug",
                "phone",
                "holiday_rule",
                "comp_ratio_weekend",
                "comp_ratio_evening",
                "working_weekend_rule",
            ],
            (
                (
                    str(o),
                    f"街道{o:03d}",
                    f"office-{o}",
                    "027-86780000",
                    "closed",
                    "1.0",
                    "1.0",
                    "weekday",
                )
                for o in range(1, self.offices + 1)
            ),
        )
        self.office_of = {c: (c - 1) % self.offices + 1 for c in range(1, self.communities + 1)}
        self.copy(
            "desks_community",
            ["id", "street_office_id", "name", "slug", "address", "phone", "workers_per_slot"],
            (
                (
                    str(c),
                    str(self.office_of[c]),
                    f"社区{c:04d}",
                    f"community-{c}",
                    f"测试路{c}号",
                    "027-86780000",
                    "2",
                )
                for c in range(1, self.communities + 1)
            ),
        )
        columns = ["id", "username", "role", "community_id", "street_office_id", "last_name"]
        columns += ["first_name", "email", "password", "last_login", "is_superuser", "phone"]
        columns += ["is_staff", "is_active", "date_joined"]
        users = []
        self.workers_of = {}
        user_id = 0

        def user(username, role, community, office, last_name, first_name):
            # Heads and office staff work in the admin (is_staff); duty workers do not.
            staff = "f" if role == "worker" else "t"
            head = (str(user_id), username, role, community, office, last_name, first_name, "")
            return (*head, self.password, "\\N", "f", "", staff, "t", "2024-01-01 00:00:00+08")

        for c in range(1, self.communities + 1):
            self.workers_of[c] = []
            for n in range(1, self.workers_per_community + 1):
                user_id += 1
                users.append(user(f"w{c}-{n}", "worker", str(c), "\\N", "社工", f"{n}号"))
                self.workers_of[c].append(user_id)
            user_id += 1
            users.append(user(f"head{c}", "head", str(c), "\\N", "主任", f"{c}号"))
        for o in range(1, self.offices + 1):
            for n in (1, 2):
                user_id += 1
                users.append(user(f"office{o}-{n}", "office", "\\N", str(o), "街道", f"{n}号"))
        self.copy("desks_user", columns, users)

    def residents(self):
        rows = []
        self.residents_of = {}
        resident_id = 0
        stamp = "2024-01-01 00:00:00+08"
        for c in range(1, self.communities + 1):
            first = resident_id + 1
            for n in range(self.residents_per_community):
                resident_id += 1
                rows.append(
                    (
                        str(resident_id),
                        str(c),
                        f"居民{resident_id}",
                        f"139{resident_id:08d}",
                        "幸福小区",
                        str(n % 30 + 1),
                        str(n % 4 + 1),
                        str(100 + n % 20),
                        "",
                        "",
                        "",
                        stamp,
                        stamp,
                        stamp,
                    )
                )
            self.residents_of[c] = (first, resident_id)
        columns = ["id", "community_id", "name", "phone", "estate", "building", "unit", "room"]
        columns += ["id_number_hash", "id_number_last4", "notes", "last_active_at"]
        self.copy("residents_resident", [*columns, "created_at", "updated_at"], rows)

    def slots(self):
        """Weekday evenings 18–20, weekend days 08–16: two years back and two weeks ahead."""
        days = []
        day = self.first_day
        while day <= self.today + dt.timedelta(days=14):
            if day.weekday() < 5:
                days.append((day, 18, 20, "evening"))
            else:
                days.append((day, 8, 16, "weekend"))
            day += dt.timedelta(days=1)
        self.days = days
        recent = self.today - dt.timedelta(days=183)
        self.slot_ids = {}  # (community, day index) -> slot id
        assignments = []
        rows = []
        slot_id = 0
        assignment_id = 0
        for c in range(1, self.communities + 1):
            workers = self.workers_of[c]
            for index, (day, start, end, kind) in enumerate(days):
                slot_id += 1
                self.slot_ids[c, index] = slot_id
                rows.append(
                    (
                        str(slot_id),
                        str(c),
                        day.isoformat(),
                        f"{day} {start:02d}:00:00+08",
                        f"{day} {end:02d}:00:00+08",
                        kind,
                        "2",
                        "",
                        "",
                        "[]",
                        "0",
                    )
                )
                if recent <= day <= self.today:
                    pair = (workers[index % len(workers)], workers[(index + 3) % len(workers)])
                    for worker in pair:
                        assignment_id += 1
                        checked = f"{day} {start:02d}:02:00+08"
                        assignments.append(
                            (
                                str(assignment_id),
                                str(slot_id),
                                str(worker),
                                f"{day} {start:02d}:00:00+08",
                                f"{day} {end:02d}:00:00+08",
                                checked,
                                "\\N",
                            )
                        )
        self.copy(
            "desks_dutyslot",
            [
                "id",
                "community_id",
                "date",
                "starts_at",
                "ends_at",
                "kind",
                "workers_needed",
                "handover_note",
                "cancel_reason",
                "clashes",
                "sequence",
            ],
            rows,
        )
        self.copy(
            "desks_assignment",
            [
                "id",
                "slot_id",
                "worker_id",
                "starts_at",
                "ends_at",
                "checked_in_at",
                "checked_out_at",
            ],
            assignments,
        )

    def requests_and_follow_ups(self):
        rng = self.rng
        outcomes = ["answered"] * 5 + ["done"] * 3 + ["accepted"] + ["referred"]
        channels = ["walk_in"] * 8 + ["phone"] + ["home_visit"]
        past_days = [i for i, d in enumerate(self.days) if d[0] <= self.today]
        now = dt.datetime.now(TZ)
        follow_ups = []

        def rows():
            items = rng.choices(self.items, weights=self.item_weights, k=self.requests)
            for request_id in range(1, self.requests + 1):
                c = rng.randint(1, self.communities)
                index = rng.choice(past_days)
                day, start, end, _ = self.days[index]
                if rng.random() < 0.9:
                    slot = str(self.slot_ids[c, index])
                    minute = rng.randrange((end - start) * 60)
                    at = dt.datetime(day.year, day.month, day.day, start, tzinfo=TZ)
                else:
                    slot = "\\N"
                    minute = rng.randrange(8 * 60)
                    at = dt.datetime(day.year, day.month, day.day, 9, tzinfo=TZ)
                at += dt.timedelta(minutes=minute, seconds=rng.randrange(60))
                if at > now:
                    at = now - dt.timedelta(seconds=rng.randrange(3600))
                first, last = self.residents_of[c]
                resident = str(rng.randint(first, last)) if rng.random() < 0.7 else "\\N"
                worker = rng.choice(self.workers_of[c])
                if rng.random() < 0.03:
                    created = at
                    due = (at + dt.timedelta(days=3)).date()
                    closed = at + dt.timedelta(hours=rng.randrange(1, 240))
                    closed_text = closed.isoformat() if closed < now else "\\N"
                    follow_ups.append(
                        (
                            str(len(follow_ups) + 1),
                            str(request_id),
                            str(c),
                            str(worker),
                            due.isoformat(),
                            created.isoformat(),
                            closed_text,
                            str(worker) if closed_text != "\\N" else "\\N",
                            "已办结" if closed_text != "\\N" else "",
                        )
                    )
                yield (
                    str(request_id),
                    str(c),
                    str(items[request_id - 1]),
                    resident,
                    rng.choice(channels),
                    rng.choice(outcomes),
                    "1" if rng.random() < 0.95 else "2",
                    "",
                    "",
                    "[]",
                    slot,
                    at.isoformat(),
                    str(worker),
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "\\N",
                )

        self.copy(
            "desks_servicerequest",
            [
                "id",
                "community_id",
                "service_item_id",
                "resident_id",
                "channel",
                "outcome",
                "count",
                "notes",
                "proxy_name",
                "missing_materials",
                "slot_id",
                "logged_at",
                "logged_by_id",
                "idempotency_key",
                "deleted_at",
            ],
            rows(),
            total=self.requests,
        )
        self.copy(
            "desks_followup",
            [
                "id",
                "request_id",
                "community_id",
                "owner_id",
                "due_on",
                "created_at",
                "closed_at",
                "closed_by_id",
                "resolution",
            ],
            follow_ups,
        )


def _defaults_of(table, columns):
    """The fields of `table`'s model that `columns` leave out and that have a value by default."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    return [
        field
        for field in model._meta.concrete_fields
        if field.column not in columns and field.get_default() is not None
    ]


def _copy_text(value):
    """A default value as COPY's text format reads it."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


if __name__ == "__main__":
    main()
