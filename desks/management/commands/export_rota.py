from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from desks.management.commands.generate_rota import communities_argument, month_argument
from desks.models import RotaMonth, User
from desks.rota import wall


class Command(BaseCommand):
    help = (
        "Write a month's rota for the wall, as the admin's download does: CSV (UTF-8 with "
        "BOM) to standard output or --output, XLSX (one sheet per community) to --output. "
        "Headers in the site's language; a row per slot with the workers' names and the "
        "state (draft or published). Recorded as an export by --by, as a download is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--community", help="a community's slug (default: every community)")
        parser.add_argument("--format", choices=sorted(wall.FILE_FORMATS), default="csv")
        parser.add_argument("--output", type=Path, help="a file to write (needed for xlsx)")
        parser.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="who takes the rota off the system: the export is recorded under their name",
        )

    def handle(self, *args, month, by, community=None, output=None, **options):
        file_format = options["format"]
        if file_format == "xlsx" and output is None:
            raise CommandError("XLSX is binary: give --output FILE.")
        user = User.objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {by!r}: --by names who takes the rota.")
        first = month_argument(month)
        communities = communities_argument(community)
        rota_months = RotaMonth.objects.filter(
            community__in=communities, month=first
        ).select_related("community__street_office")
        grids = wall.wall_grids(rota_months)
        planned = {grid.community.pk for grid in grids}
        for centre in communities:
            if centre.pk not in planned:
                self.stderr.write(f"Note: {centre.slug} has no rota for {first:%Y-%m}.")
        for grid in grids:
            if grid.is_draft:
                self.stderr.write(
                    f"Note: the {first:%Y-%m} rota of {grid.community.slug} is a draft."
                )
        download = wall.wall_file(grids, file_format)
        if grids:
            wall.record_export(user, grids, file_format, None, timezone.now())
        if output is None:
            self.stdout.write(download.content.decode("utf-8"), ending="")
        else:
            output.write_bytes(download.content)
            self.stderr.write(f"Wrote {output} ({len(download.content)} bytes).")
