"""Clear the names and phones of bookings long past; run daily by a timer (docs/privacy.md)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from desks.booking import bookings


class Command(BaseCommand):
    help = "Clear the name and phone of bookings whose window ended 90 days ago or more."

    def handle(self, *args, **options):
        cleared = bookings.forget_past(timezone.now())
        self.stdout.write(f"{cleared} bookings cleared.")
