"""The report keeps the slot, duty, booking and queue figures of a month that has ended,
and keeps them right (the request figures' own tests are in test_rollup.py).

Each change below touches a month whose figures the report kept; the next report must
give exactly what a report computed from scratch on the same data gives.
"""

import dataclasses
import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from desks.booking import bookings, queue
from desks.core.dates import Month
from desks.core.scope import scope_for
from desks.models import (
    Assignment,
    Booking,
    DateOverride,
    DutySlot,
    MonthFigures,
    QueueTicket,
    Role,
    TicketStatus,
    WeeklyWindow,
)
from desks.reports.booking_tables import BookingTables
from desks.reports.monthly import MonthlyReport
from desks.rota.duty import confirm_served, make_slots
from tests.clock import at
from tests.factories import make_booking, make_request, make_resident, make_service_item, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OCTOBER = Month(2026, 10)
TUESDAY = dt.date(2026, 10, 13)
NOW = at(2026, 11, 24, 10)


def _ticket(community, item, taken_at, waited_minutes=None):
    number = QueueTicket.objects.filter(community=community, day=taken_at.date()).count() + 1
    called_at = taken_at + dt.timedelta(minutes=waited_minutes) if waited_minutes else None
    return QueueTicket.objects.create(
        community=community,
        day=taken_at.date(),
        number=number,
        service_item=item,
        token=uuid.uuid4().hex,
        status=TicketStatus.CALLED if called_at else TicketStatus.WAITING,
        taken_at=taken_at,
        called_at=called_at,
    )


@pytest.fixture
def cast(clock, street_office, community, neighbour, head, worker, colleague):
    """A week of October 2026 at two centres: slots, served and unserved duty, bookings
    (served, a no-show, cancelled, arrived and not logged), queue tickets (called, not
    called); entered on 2 November."""
    clock.stop_at(at(2026, 11, 2, 20))
    item = make_service_item(name="居民医保", bookable=True)
    resident = make_resident(community)
    slots = make_slots(community, dt.date(2026, 10, 12), dt.date(2026, 10, 18))
    make_slots(neighbour, dt.date(2026, 10, 12), dt.date(2026, 10, 18))
    for slot in slots[:3]:
        Assignment.objects.create(
            slot=slot,
            worker=worker,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            checked_in_at=slot.starts_at,
        )
    tuesday = next(slot for slot in slots if slot.date == TUESDAY)
    unserved = Assignment.objects.create(
        slot=tuesday, worker=colleague, starts_at=tuesday.starts_at, ends_at=tuesday.ends_at
    )
    served = make_request(community, item, worker, at(2026, 10, 13, 18, 30), resident=resident)
    make_booking(
        community,
        item,
        TUESDAY,
        arrived_at=at(2026, 10, 13, 18, 5),
        request=served,
        resident=resident,
    )
    make_booking(community, item, TUESDAY)  # a no-show
    make_booking(community, item, TUESDAY, cancelled_at=at(2026, 10, 12))
    arrived = make_booking(
        community, item, TUESDAY, arrived_at=at(2026, 10, 13, 19), resident=make_resident(community)
    )
    _ticket(community, item, at(2026, 10, 13, 18, 10), 5)
    waiting = _ticket(community, item, at(2026, 10, 13, 19, 50))
    user = make_user(Role.OFFICE, street_office=street_office, username="office")
    clock.stop_at(NOW)
    return dict(
        user=user,
        item=item,
        resident=resident,
        slots=slots,
        tuesday=tuesday,
        unserved=unserved,
        served=served,
        arrived=arrived,
        waiting=waiting,
    )


def everything(user, month=OCTOBER) -> dict:
    """Every figure of the report page, as plain data."""
    report = MonthlyReport(scope_for(user), month)
    booking_tables = BookingTables(report)
    return {
        "tables": [
            (table.key, [(row.label, row.current, row.previous) for row in table.rows])
            for table in report.tables()
        ],
        "rates": [
            (table.key, [(row.label, row.current, row.previous) for row in table.rows])
            for table in report.rate_tables()
        ],
        "votes": dataclasses.asdict(report.votes_against_requests()),
        "bookings": [dataclasses.astuple(row) for row in booking_tables.counts()],
        "booking_waits": {
            key: [dataclasses.astuple(row) for row in rows]
            for key, rows in booking_tables.waits().items()
        },
        "queue": [
            (table.key, [(row.label, row.cells) for row in table.rows])
            for table in report.waiting_tables()
        ],
        "daily": report.daily(),
        "heat_map": report.heat_map(),
    }


def from_scratch(user, month=OCTOBER) -> dict:
    """The report with nothing kept (what was kept is left as it was)."""
    with transaction.atomic():
        MonthFigures.objects.all().delete()
        figures = everything(user, month)
        transaction.set_rollback(True)
    return figures


def summary(figures) -> dict[str, float]:
    return {label: current for label, current, _previous in dict(figures["tables"])["summary"]}


def bookings_made(figures) -> dict[str, int]:
    return {label: current for label, current, _previous, _definition in figures["bookings"]}


@pytest.fixture
def kept(cast):
    """The report of October asked once on 24 November: every figure kept."""
    figures = everything(cast["user"])
    assert MonthFigures.objects.filter(month=OCTOBER.first_day, figures__isnull=False).count() == 2
    return figures


def test_every_figure_of_an_ended_month_is_read_back_without_scanning_a_table(cast, kept):
    with CaptureQueriesContext(connection) as queries:
        again = everything(cast["user"])
    assert again == kept == from_scratch(cast["user"])
    scanned = {"desks_servicerequest", "desks_dutyslot", "desks_assignment", "desks_booking"}
    scanned |= {"desks_queueticket", "desks_weeklywindow", "desks_dateoverride"}
    read = {table for q in queries for table in scanned if f'FROM "{table}"' in q["sql"]}
    assert read == set()


def test_the_head_confirming_duty_after_the_month_counts(cast, kept, head):
    confirm_served(Assignment.objects.get(pk=cast["unserved"].pk), head, NOW)
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after["tables"] != kept["tables"]  # comp time accrued by the colleague


def test_taking_a_worker_off_a_past_slot_counts(cast, kept):
    Assignment.objects.filter(slot=cast["slots"][0]).delete()  # the admin's delete
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert summary(after)["Slots staffed"] == summary(kept)["Slots staffed"] - 1


def test_deleting_a_past_slot_counts(cast, kept):
    DutySlot.objects.get(pk=cast["slots"][-1].pk).delete()
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert summary(after)["Slots planned"] == summary(kept)["Slots planned"] - 1


def test_cancelling_a_past_slot_counts(cast, kept):
    slot = DutySlot.objects.get(pk=cast["slots"][-1].pk)
    slot.cancelled_at = NOW
    slot.save(update_fields=["cancelled_at"])
    assert everything(cast["user"]) == from_scratch(cast["user"])


def test_slots_made_for_past_days_count(cast, community, kept):
    make_slots(community, dt.date(2026, 10, 19), dt.date(2026, 10, 20))  # bulk_create
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert summary(after)["Slots planned"] == summary(kept)["Slots planned"] + 2


def test_a_closure_entered_for_a_past_day_unholds_its_slot(cast, community, kept):
    DateOverride.objects.create(community=community, date=TUESDAY, reason="台风停止开放")
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert summary(after)["Slots held"] == summary(kept)["Slots held"] - 1


def test_a_street_offices_closure_for_a_past_day_counts(cast, street_office, kept):
    closure = DateOverride.objects.create(
        street_office=street_office, date=TUESDAY, reason="台风停止开放"
    )
    assert everything(cast["user"]) == from_scratch(cast["user"])
    closure.delete()
    assert everything(cast["user"]) == kept


def test_new_weekly_windows_change_which_past_slots_were_held(cast, community, kept):
    WeeklyWindow.objects.create(
        community=community, weekday=0, start=dt.time(18), end=dt.time(20)
    )  # open on Mondays only
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert summary(after)["Slots held"] < summary(kept)["Slots held"]


def test_a_booking_honoured_by_a_late_entry_counts(cast, community, worker, kept):
    # The resident who arrived at 19:00 is logged from the desk's outbox after the month.
    late = make_request(
        community,
        cast["item"],
        worker,
        at(2026, 10, 13, 19, 20),
        resident=Booking.objects.get(pk=cast["arrived"].pk).resident,
    )
    everything(cast["user"])  # the request forgot October; the report keeps it again
    assert bookings.honour(late) == 1
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert bookings_made(after)["Served"] == bookings_made(kept)["Served"] + 1


def test_deleting_a_booking_counts(cast, kept):
    Booking.objects.filter(pk=cast["arrived"].pk).delete()  # the admin's bulk delete
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert bookings_made(after)["Bookings made"] == bookings_made(kept)["Bookings made"] - 1


def test_deleting_the_request_behind_a_booking_counts(cast, kept):
    # The booking's link is cleared by the database's cascade, without a signal of its own.
    cast["served"].delete()
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert bookings_made(after)["Served"] == bookings_made(kept)["Served"] - 1


def test_a_past_ticket_served_by_a_request_tonight_gets_its_wait(
    cast, clock, community, worker, kept
):
    clock.stop_at(at(2026, 11, 24, 19))
    tonight = make_request(community, cast["item"], worker, at(2026, 11, 24, 19))
    assert queue.close_with(cast["waiting"].pk, tonight)
    after = everything(cast["user"])
    assert after == from_scratch(cast["user"])
    assert after["queue"] != kept["queue"]


def test_a_past_ticket_called_or_deleted_counts(cast, kept):
    ticket = QueueTicket.objects.get(pk=cast["waiting"].pk)
    ticket.status, ticket.called_at = TicketStatus.CALLED, at(2026, 10, 13, 19, 55)
    ticket.save(update_fields=["status", "called_at"])
    assert everything(cast["user"]) == from_scratch(cast["user"])
    QueueTicket.objects.filter(pk=ticket.pk).delete()
    assert everything(cast["user"]) == from_scratch(cast["user"])


def test_changes_tonight_write_nothing_to_the_kept_figures(
    cast, clock, community, worker, head, kept
):
    clock.stop_at(at(2026, 11, 24, 19))
    with CaptureQueriesContext(connection) as queries:
        slots = make_slots(community, dt.date(2026, 11, 24), dt.date(2026, 11, 24))
        assignment = Assignment.objects.create(
            slot=slots[0], worker=worker, starts_at=slots[0].starts_at, ends_at=slots[0].ends_at
        )
        confirm_served(assignment, head, at(2026, 11, 24, 19))
        booking = make_booking(community, cast["item"], dt.date(2026, 11, 24))
        booking.arrived_at = at(2026, 11, 24, 19)
        booking.save(update_fields=["arrived_at"])
        ticket = _ticket(community, cast["item"], at(2026, 11, 24, 18, 30))
        queue.call_next(community.pk, worker, at(2026, 11, 24, 19))
        DutySlot.objects.get(pk=slots[0].pk).delete()
    assert ticket.pk
    assert not [q for q in queries if "desks_monthfigures" in q["sql"]]
