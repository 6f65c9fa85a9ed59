from django.core.management.base import BaseCommand

from desks.management.commands.generate_rota import communities_argument, month_argument
from desks.models import RotaMonth
from desks.rota.planning import rota_csv


class Command(BaseCommand):
    help = (
        "Write a month's rota as CSV to standard output (UTF-8 with BOM, "
        "header community,date,start,end,worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--community", help="a community's slug (default: every community)")

    def handle(self, *args, month, community=None, **options):
        first = month_argument(month)
        communities = communities_argument(community)
        drafts = RotaMonth.objects.filter(
            community__in=communities, month=first, published_at__isnull=True
        ).values_list("community__slug", flat=True)
        for slug in drafts:
            self.stderr.write(f"Note: the {first:%Y-%m} rota of {slug} is still a draft.")
        self.stdout.write(rota_csv(communities, first), ending="")
