"""The demo has a queue today and numbers behind past walk-ins, for the report."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from desks.booking import queue
from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import Community, QueueTicket, TicketStatus, User
from desks.reports.monthly import MonthlyReport
from tests.clock import at

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_queue_tonight_and_waits_to_report(settings, clock):
    settings.DEBUG = True
    clock.stop_at(at(2026, 11, 24, 19, 0))  # a Tuesday evening: every centre is open
    call_command("seed_demo")
    heping = Community.objects.get(slug="heping")
    today = QueueTicket.objects.of_day(heping.pk, timezone.localdate())

    assert today.filter(status=TicketStatus.SERVED).count() == 4
    assert today.filter(status=TicketStatus.CALLED).count() == 1
    assert queue.waiting_count(heping.pk, timezone.now()) == 5
    assert queue.board(heping.pk, timezone.now()).called[0].label == "A005"
    past = QueueTicket.objects.filter(community=heping, day__lt=dt.date(2026, 11, 24))
    assert past.exists()
    assert all(ticket.request.logged_at == ticket.served_at for ticket in past[:20])

    office = User.objects.get(username="office")
    by_window, _by_item = MonthlyReport(scope_for(office), Month(2026, 11)).waiting_tables()
    assert by_window.rows and by_window.rows[0].current.median is not None
    assert by_window.rows[0].previous.median is not None

    before = QueueTicket.objects.count()
    call_command("seed_demo")
    assert QueueTicket.objects.count() == before
