import datetime as dt

import pytest
from icalendar import Calendar

from desks.models import DateOverride
from tests.clock import at
from tests.factories import make_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 12, 1), reason="停电")
    return community


def test_the_feed_is_an_rfc5545_calendar_of_60_days(client, clock, community):
    clock.stop_at(at(2026, 11, 24, 12))
    response = client.get(f"/c/{community.slug}/hours.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    days = {event.decoded("dtstart").date() for event in events}
    assert min(days) == dt.date(2026, 11, 24)
    assert max(days) <= dt.date(2026, 11, 24) + dt.timedelta(days=59)
    assert dt.date(2026, 12, 1) not in days
    assert len({str(event["uid"]) for event in events}) == len(events)
    assert calendar.walk("VTIMEZONE")


def test_its_events_equal_the_api_windows(client, clock, community):
    clock.stop_at(at(2026, 11, 24, 12))
    calendar = Calendar.from_ical(client.get(f"/c/{community.slug}/hours.ics").content)
    from_feed = sorted(
        (
            event.decoded("dtstart").date().isoformat(),
            event.decoded("dtstart").strftime("%H:%M"),
            event.decoded("dtend").strftime("%H:%M"),
        )
        for event in calendar.walk("VEVENT")
    )
    from_api = []
    for offset in range(60):
        day = (dt.date(2026, 11, 24) + dt.timedelta(days=offset)).isoformat()
        data = client.get("/api/hours/", {"date": day, "community": community.slug}).json()
        from_api += [
            (day, window["start"], window["end"]) for window in data["communities"][0]["windows"]
        ]
    assert from_feed == sorted(from_api)
    assert len(from_feed) > 40
    for event in calendar.walk("VEVENT"):
        assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=8)
