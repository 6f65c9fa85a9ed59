"""A queue number naming a resident forgets them when they are anonymised."""

import pytest

from desks.booking import queue
from desks.models import QueueTicket
from tests.clock import at
from tests.factories import make_resident, make_service_item

pytestmark = pytest.mark.django_db

OPEN = at(2026, 11, 24, 19, 0)


def test_anonymising_a_resident_unlinks_their_numbers_and_keeps_the_counts(community):
    resident = make_resident(community, name="张秘密")
    other = make_resident(community)
    item = make_service_item()
    mine = queue.take_number(community, item, OPEN, resident=resident)
    theirs = queue.take_number(community, item, OPEN, resident=other)

    resident.anonymise(now=OPEN)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.resident is None and mine.number == 1
    assert theirs.resident == other
    assert QueueTicket.objects.count() == 2
