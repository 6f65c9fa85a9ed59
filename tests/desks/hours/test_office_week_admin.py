"""The street office's default week in the admin: shown, edited by the office, checked."""

import datetime as dt

import pytest
from django.urls import reverse

from desks.hours import open_windows
from desks.models import Role, WeeklyWindow
from tests.factories import make_community, make_user

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 11, 24)


def office_url(street_office):
    return "/en" + reverse("admin:desks_streetoffice_change", args=[street_office.pk])


def week_form(street_office, rows, initial=0):
    """The street office's change form with `rows` of (weekday, start, end) as its windows."""
    data = {
        "phone": street_office.phone,
        "holiday_rule": street_office.holiday_rule,
        "working_weekend_rule": street_office.working_weekend_rule,
        "weekly_windows-TOTAL_FORMS": str(len(rows)),
        "weekly_windows-INITIAL_FORMS": str(initial),
        "weekly_windows-MIN_NUM_FORMS": "0",
        "weekly_windows-MAX_NUM_FORMS": "1000",
    }
    for field in street_office._meta.concrete_fields:
        if field.name.endswith("_hours_credit") or field.name.startswith("comp_"):
            data[field.name] = str(getattr(street_office, field.attname))
    for index, (weekday, start, end) in enumerate(rows):
        data[f"weekly_windows-{index}-weekday"] = str(weekday)
        data[f"weekly_windows-{index}-start"] = start
        data[f"weekly_windows-{index}-end"] = end
    return data


def test_the_office_page_says_the_built_in_week_applies_and_who_follows_it(
    client, office, street_office, community, neighbour
):
    WeeklyWindow.objects.create(community=neighbour, weekday=2, start="18:00", end="20:00")
    client.force_login(office)
    page = client.get(office_url(street_office)).content.decode()
    assert "no windows of its own" in page
    assert "18:00–20:00" in page and "08:00–16:00" in page
    assert "follow it" in page and community.name in page
    assert neighbour.name not in page.split("follow it")[1].split("<")[0]


def test_the_office_sets_its_default_week_and_its_communities_follow_it(
    client, office, street_office, community
):
    assert [str(w) for w in open_windows(community, TUESDAY).windows] == ["18:00–20:00"]
    client.force_login(office)
    response = client.post(
        office_url(street_office), week_form(street_office, [(1, "19:00", "21:00")])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert WeeklyWindow.objects.filter(street_office=street_office).count() == 1
    assert [str(w) for w in open_windows(community, TUESDAY).windows] == ["19:00–21:00"]
    assert open_windows(community, TUESDAY + dt.timedelta(days=1)).windows == ()


def test_a_window_that_closes_before_it_opens_is_refused(client, office, street_office):
    client.force_login(office)
    response = client.post(
        office_url(street_office), week_form(street_office, [(1, "20:00", "18:00")])
    )
    assert response.status_code == 200
    assert "close after it opens" in response.content.decode()
    assert not WeeklyWindow.objects.exists()


def test_overlapping_windows_of_one_save_are_refused(client, office, street_office):
    client.force_login(office)
    rows = [(1, "18:00", "20:00"), (1, "19:30", "21:00"), (2, "18:00", "20:00")]
    response = client.post(office_url(street_office), week_form(street_office, rows))
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not WeeklyWindow.objects.exists()


def test_windows_that_only_touch_are_both_kept(client, office, street_office):
    # Half-open: 18:00–20:00 ends as 20:00–21:00 begins.
    client.force_login(office)
    rows = [(1, "18:00", "20:00"), (1, "20:00", "21:00")]
    response = client.post(office_url(street_office), week_form(street_office, rows))
    assert response.status_code == 302
    assert WeeklyWindow.objects.filter(street_office=street_office).count() == 2


def test_a_head_cannot_edit_the_offices_week(client, head, street_office):
    client.force_login(head)
    response = client.post(
        office_url(street_office), week_form(street_office, [(1, "08:00", "09:00")])
    )
    assert response.status_code in (403, 404)
    assert not WeeklyWindow.objects.exists()


def test_another_offices_staff_cannot_edit_it(client, street_office, community):
    other = make_user(
        Role.OFFICE, street_office=make_community().street_office, username="elsewhere"
    )
    client.force_login(other)
    response = client.post(
        office_url(street_office), week_form(street_office, [(1, "08:00", "09:00")])
    )
    assert response.status_code == 404
    assert not WeeklyWindow.objects.exists()
