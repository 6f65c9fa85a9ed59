"""Anonymise residents with no activity for a number of years; run daily by a timer.

The row stays, so requests logged for the resident keep counting in the
statistics; everything that identifies them is cleared.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from desks.core.progress import add_progress_argument, progress, wanted
from residents.models import AccessLog, Resident


def years_before(moment, years):
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


class Command(BaseCommand):
    help = "Anonymise residents with no activity for --years years (default 3)."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=3, help="Years without activity.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count who would be anonymised."
        )
        add_progress_argument(parser)

    def handle(self, *args, years, dry_run=False, **options):
        if years < 1:
            raise CommandError("--years must be at least 1.")
        now = timezone.now()
        stale = Resident.objects.inactive_since(years_before(now, years))
        if dry_run:
            self.stdout.write(f"{stale.count()} residents would be anonymised.")
            return
        count = 0
        total = stale.count() if wanted(options) else None
        with progress("anonymise_residents", total, self.stderr, wanted(options)) as done:
            for resident in stale.iterator():
                with transaction.atomic():
                    resident.anonymise(now)
                    AccessLog.record(
                        AccessLog.Action.ANONYMISED, user=None, ip_address=None, resident=resident
                    )
                count += 1
                done()
        if options["verbosity"] > 0:
            self.stdout.write(f"{count} residents anonymised.")
