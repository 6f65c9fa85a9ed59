from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from desks.core.dates import Month
from desks.core.progress import add_progress_argument, progress, wanted
from desks.models import Community
from desks.rota.duty import RotaError
from desks.rota.planning import generate_many


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


def describe(figures):
    """One line of the plan's figures (desks.rota.solver.figures), for the console."""
    spread = ", ".join(f"{kind} {hours:g} h" for kind, hours in figures["spread"].items())
    pairs = figures["pairs"]
    return (
        f"planner {figures['planner']} ({figures['status']}, {figures['seconds']:g} s); "
        f"hours spread {spread}; "
        f"{len(figures['uncovered'])} of {figures['slots']} slots miss a category "
        f"({sum(bool(gap.get('free_knew')) for gap in figures['uncovered'])} of them one that "
        "a worker free that day knows); "
        f"busiest pair {pairs['most']} slots (even rotation {pairs['even']}); "
        f"{figures['moved']} places moved"
    )


class Command(BaseCommand):
    help = "Generate the draft duty rota of a month, for one community or all of them."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--community", help="a community's slug (default: every community)")
        parser.add_argument(
            "--seconds",
            type=float,
            help="how long the planner searches each community (default: ROTA_SOLVER_SECONDS)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="plan this many communities at once, one process each (PostgreSQL only)",
        )
        add_progress_argument(parser)

    def handle(self, *args, month, community=None, seconds=None, jobs=1, **options):
        first = month_argument(month)
        if seconds is not None and seconds < 0:
            raise CommandError("--seconds cannot be negative.")
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        now = timezone.now()
        failed = False
        centres = communities_argument(community)
        talk = options["verbosity"] > 0
        # One community is quick and says what it did; many get a bar (or plain lines).
        shown = wanted(options) and len(centres) > 1
        planned = generate_many(centres, first, now, seconds=seconds, jobs=jobs)
        try:
            with progress(f"generate_rota {first:%Y-%m}", len(centres), self.stderr, shown) as done:
                for result in planned:
                    done()
                    if result.error:
                        self.stderr.write(f"{result.community}: {result.error}")
                        failed = True
                        continue
                    if talk:
                        self.stdout.write(
                            f"{result.community} {first:%Y-%m}: {result.slots} slots, "
                            f"{result.assigned} assignments made, "
                            f"{len(result.reasons)} slots short."
                        )
                        self.stdout.write(f"  {describe(result.figures)}")
                        for reason in result.reasons:
                            self.stdout.write(self.style.WARNING(f"  short: {reason}"))
        except RotaError as error:
            raise CommandError(error.message) from None
        if failed:
            raise CommandError("Some months were not generated (see above).")
