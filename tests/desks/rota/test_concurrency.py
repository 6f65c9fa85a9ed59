"""Two desks book one worker onto overlapping slots at the same moment: one wins."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from desks.models import Assignment
from desks.rota.duty import RotaError, assign, make_slots
from tests.factories import make_community, make_user


@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_concurrent_overlapping_bookings_succeeds():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    here = make_community()
    there = make_community(here.street_office)
    worker = make_user(community=here)
    head = make_user("head", community=here)
    day = dt.date(2026, 12, 1)
    slots = [make_slots(here, day, day)[0], make_slots(there, day, day)[0]]
    barrier = threading.Barrier(2)
    outcomes = []

    def book(slot):
        try:
            barrier.wait(timeout=10)
            assign(slot, worker, lent_by=head if slot.community_id != here.pk else None)
            outcomes.append("booked")
        except RotaError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["booked", "refused"]
    assert Assignment.objects.filter(worker=worker).count() == 1
