"""Seconds from a change saved in one process to the new page on another app server.

    .venv/bin/python benchmarks/bench_staleness.py --database servicedesk_bench_stale
    .venv/bin/python benchmarks/bench_staleness.py --cache-url redis://127.0.0.1:6379/3

Two gunicorn servers (production settings, gunicorn.conf.py with one worker each) on
one database and one CACHE_URL. Both are warmed on a community's page; then this
process renames the community through the ORM (as the admin on a third process
would) and asks server B for the page every 0.2 s until it shows the new name.
With the default locmem:// each process has its own cache, so nothing can reach B:
what it measures there is how long B keeps serving its own copy.
"""

import argparse
import time
import urllib.request
from contextlib import ExitStack

from django_setup import setup
from server import gunicorn

POLL_SECONDS = 0.2


def page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench_stale")
    parser.add_argument("--cache-url", default="locmemcache://")
    parser.add_argument("--give-up-after", type=float, default=200)
    args = parser.parse_args()
    setup(args.database, CACHE_URL=args.cache_url)
    from django.core.management import call_command

    from desks.models import Community, StreetOffice

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    office, _ = StreetOffice.objects.get_or_create(slug="stale-office", defaults={"name": "街道"})
    centre, _ = Community.objects.update_or_create(
        slug="stale-centre",
        defaults={"name": "旧名社区", "street_office": office, "address": "路1号", "phone": "1"},
    )
    one_worker = {"GUNICORN_WORKERS": "1"}
    with ExitStack() as servers:
        a, b = (
            servers.enter_context(
                gunicorn("servicedesk.wsgi", args.database, port, args.cache_url, one_worker)
            )
            for port in (8311, 8312)
        )
        path = f"/c/{centre.slug}/"
        for server in (a, b):
            for _ in range(3):  # warm every layer
                assert "旧名社区" in page(server + path)
        centre.name = "新名社区"
        centre.save(update_fields=["name"])
        changed = time.monotonic()
        polls = 1
        while "新名社区" not in page(b + path):
            if time.monotonic() - changed > args.give_up_after:
                print(f"server B still showed the old name after {args.give_up_after:.0f} s")
                return
            time.sleep(POLL_SECONDS)
            polls += 1
        print(
            f"CACHE_URL={args.cache_url}: server B showed the new name "
            f"{time.monotonic() - changed:.1f} s after the save ({polls} requests)"
        )


if __name__ == "__main__":
    main()
