"""Query counts of every list page at 10 times the data against 1 time: they must be equal.

    .venv/bin/python benchmarks/bench_queries.py servicedesk_bench_s001 servicedesk_bench_s010

Runs each page in-process with Django's test client (production settings) against
each database, in a subprocess per database, and prints the counts side by side.
"""

import json
import subprocess
import sys

from django_setup import ROOT


def pages():
    from desks.core.dates import Month

    month = Month(2026, 1)
    admin = [
        f"/admin/{app}/{model}/"
        for app, model in (
            ("desks", "streetoffice"),
            ("desks", "community"),
            ("desks", "user"),
            ("desks", "serviceitem"),
            ("desks", "servicerequest"),
            ("desks", "followup"),
            ("desks", "dateoverride"),
            ("desks", "exportrecord"),
            ("residents", "resident"),
        )
    ]
    return [
        ("/", None),
        ("/?office=office-1", None),
        ("/c/community-1/", None),
        ("/api/hours/", None),
        ("/desk/", "w1-1"),
        ("/desk/follow-ups/", "w1-1"),
        ("/desk/follow-ups/", "head1"),
        ("/desk/", "office1-1"),
        *[(path, "admin") for path in admin],
        (f"/admin/reports/?office=office-1&month={month}", "admin"),
    ]


def count(database):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from django_setup import setup

    setup(database, ALLOWED_HOSTS="testserver", CACHE_URL="dummycache://")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from desks.models import Role, User

    User.objects.get_or_create(
        username="admin",
        defaults={"role": Role.ADMIN, "is_superuser": True, "is_staff": True},
    )
    clients = {}
    counts = {}
    for path, username in pages():
        if username not in clients:
            clients[username] = Client()
            if username:
                clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        client.get(path)  # warm: sessions, content types, translations
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[f"{path} ({username or 'anonymous'})"] = len(queries)
    return counts


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--count":
        print(json.dumps(count(sys.argv[2])))
        return
    small, large = sys.argv[1:3]
    results = []
    for database in (small, large):
        out = subprocess.run(
            [sys.executable, __file__, "--count", database],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'page':<60}{'1x':>5}{'10x':>6}")
    for page, n in results[0].items():
        flag = "" if results[1][page] == n else "   DIFFERENT"
        print(f"{page:<60}{n:>5}{results[1][page]:>6}{flag}")
    same = results[0] == results[1]
    print("equal at 1x and 10x" if same else "NOT equal")


if __name__ == "__main__":
    main()
