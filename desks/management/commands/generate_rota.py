from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from desks.core.dates import Month
from desks.models import Community
from desks.rota.duty import RotaError
from desks.rota.planning import generate_month


def month_argument(text):
    try:
        return Month.parse(text.strip()).first_day
    except ValueError as error:
        raise CommandError(str(error)) from None


def communities_argument(slug):
    communities = Community.objects.select_related("street_office").order_by("slug")
    if slug is None:
        return list(communities)
    found = list(communities.filter(slug=slug))
    if not found:
        raise CommandError(f"No community has the slug {slug!r}.")
    return found


class Command(BaseCommand):
    help = "Generate the draft duty rota of a month, for one community or all of them."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--community", help="a community's slug (default: every community)")

    def handle(self, *args, month, community=None, **options):
        first = month_argument(month)
        now = timezone.now()
        failed = False
        for centre in communities_argument(community):
            try:
                result = generate_month(centre, first, now)
            except RotaError as error:
                self.stderr.write(f"{centre.slug}: {error.message}")
                failed = True
                continue
            self.stdout.write(
                f"{centre.slug} {first:%Y-%m}: {len(result.slots)} slots, "
                f"{result.assigned} assignments made, {len(result.shortfalls)} slots short."
            )
            for reason in result.reasons:
                self.stdout.write(self.style.WARNING(f"  short: {reason}"))
        if failed:
            raise CommandError("Some months were not generated (see above).")
