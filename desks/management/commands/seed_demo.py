"""manage.py seed_demo: fill the database with a realistic demo street office."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from desks.core.progress import add_progress_argument, progress, wanted
from desks.demo.seed import SEED_STEPS, demo_usernames, seed
from desks.models import User


class Command(BaseCommand):
    help = "Create the demo street office, communities, catalogue, staff and residents."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (it adds demo logins with a known password).",
        )
        add_progress_argument(parser)

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds demo logins with a known password, so it refuses to run "
                "with DEBUG off. Use --force if this really is a demo server."
            )
        with (
            progress("seed_demo", SEED_STEPS, self.stderr, wanted(options)) as done,
            transaction.atomic(),
        ):
            created = seed(done)
        if options["verbosity"] == 0:
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} rows created)."))
        self.stdout.write(f"Every demo login uses the password: {settings.DEMO_PASSWORD}")
        for user in User.objects.filter(username__in=demo_usernames()).order_by("username"):
            place = user.community or user.street_office
            self.stdout.write(
                f"  {user.username:<16} {user.get_role_display()} · {place} · {user.display_name}"
            )
