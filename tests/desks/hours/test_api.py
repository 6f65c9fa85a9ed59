import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desks.models import DateOverride
from desks.views.api import LOOKAHEAD_DAYS
from tests.clock import at
from tests.factories import make_community, make_street_office

pytestmark = pytest.mark.django_db


def test_it_lists_every_community_on_a_date(client):
    first, second = make_community(), make_community()
    data = client.get("/api/hours/", {"date": "2026-11-24"}).json()
    assert data["date"] == "2026-11-24"
    assert {c["slug"] for c in data["communities"]} == {first.slug, second.slug}
    entry = next(c for c in data["communities"] if c["slug"] == first.slug)
    assert entry == {
        "slug": first.slug,
        "name": first.name,
        "date": "2026-11-24",
        "status": "open",
        "windows": [{"start": "18:00", "end": "20:00"}],
        "note": "",
        "provisional": False,
    }


def test_it_gives_the_holiday_or_closure_reason(client):
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 25), reason="台风")
    holiday = client.get("/api/hours/", {"date": "2026-10-01"}).json()["communities"][0]
    assert (
        holiday["status"] == "closed" and holiday["windows"] == [] and holiday["note"] == "国庆节"
    )
    typhoon = client.get("/api/hours/", {"date": "2026-11-25"}).json()["communities"][0]
    assert typhoon["note"] == "台风"


def test_it_narrows_to_one_community(client):
    community, _ = make_community(), make_community()
    data = client.get("/api/hours/", {"date": "2026-11-28", "community": community.slug}).json()
    assert [c["slug"] for c in data["communities"]] == [community.slug]
    assert data["communities"][0]["windows"] == [{"start": "08:00", "end": "16:00"}]


def test_no_date_means_today(client, clock):
    make_community()
    clock.stop_at(at(2026, 11, 24, 23, 59))
    assert client.get("/api/hours/").json()["date"] == "2026-11-24"


def test_a_bad_date_is_a_400_with_a_message(client):
    response = client.get("/api/hours/", {"date": "24/11/2026"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]


def test_an_unknown_community_is_a_404_with_a_message(client):
    response = client.get("/api/hours/", {"community": "nowhere"})
    assert response.status_code == 404
    assert "nowhere" in response.json()["error"]


def test_it_refuses_post(client):
    assert client.post("/api/hours/").status_code == 405


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(["date", "community", "x", "date[]"]),
        st.one_of(st.text(max_size=30), st.dates().map(str), st.just("")),
        max_size=3,
    ),
    path=st.sampled_from(["/api/hours/", "/", "/en/"]),
)
def test_fuzzed_query_parameters_never_cause_a_server_error(client, params, path):
    response = client.get(path, params)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.content


# ?at=: the answer at a moment, with open_now and next_change.


def test_at_a_moment_it_says_open_now_and_when_that_changes(client):
    community = make_community()
    data = client.get("/api/hours/", {"at": "2026-11-24T19:30"}).json()
    assert data["at"] == "2026-11-24T19:30:00+08:00" and data["date"] == "2026-11-24"
    assert data["communities"] == [
        {
            "slug": community.slug,
            "name": community.name,
            "date": "2026-11-24",
            "status": "open",
            "windows": [{"start": "18:00", "end": "20:00"}],
            "note": "",
            "provisional": False,
            "open_now": True,
            "next_change": "2026-11-24T20:00:00+08:00",
        }
    ]


@pytest.mark.parametrize(
    ("at_", "open_now", "next_change"),
    [
        ("2026-11-24T17:59:59", False, "2026-11-24T18:00:00+08:00"),
        ("2026-11-24T18:00", True, "2026-11-24T20:00:00+08:00"),
        ("2026-11-24T19:59:59", True, "2026-11-24T20:00:00+08:00"),
        ("2026-11-24T20:00", False, "2026-11-25T18:00:00+08:00"),
        ("2026-11-27T20:00", False, "2026-11-28T08:00:00+08:00"),  # Friday night: Saturday
        ("2026-10-01T10:00", False, "2026-10-08T18:00:00+08:00"),  # National Day week
    ],
)
def test_open_now_turns_at_the_window_edges(client, at_, open_now, next_change):
    make_community()
    item = client.get("/api/hours/", {"at": at_}).json()["communities"][0]
    assert (item["open_now"], item["next_change"]) == (open_now, next_change)


def test_a_closure_at_the_moment_gives_its_reason_and_the_next_opening(client):
    community = make_community()
    DateOverride.objects.create(community=community, date=dt.date(2026, 11, 24), reason="台风")
    item = client.get("/api/hours/", {"at": "2026-11-24T19:00"}).json()["communities"][0]
    assert item["status"] == "closed" and item["note"] == "台风" and item["open_now"] is False
    assert item["next_change"] == "2026-11-25T18:00:00+08:00"


def test_no_opening_in_the_next_two_weeks_means_next_change_is_null(client):
    community = make_community()
    first = dt.date(2026, 11, 24)
    DateOverride.objects.bulk_create(
        DateOverride(community=community, date=first + dt.timedelta(days=n), reason="装修")
        for n in range(LOOKAHEAD_DAYS + 1)
    )
    item = client.get("/api/hours/", {"at": "2026-11-24T19:00"}).json()["communities"][0]
    assert item["open_now"] is False and item["next_change"] is None


def test_a_provisional_year_says_so_at_a_moment_too(client):
    make_community()
    item = client.get("/api/hours/", {"at": "2027-10-04T10:00"}).json()["communities"][0]
    assert item["provisional"] is True  # the Monday after National Day: not fixed by law
    item = client.get("/api/hours/", {"at": "2027-10-01T10:00"}).json()["communities"][0]
    assert item["provisional"] is False  # National Day itself is


def test_at_now_answers_for_the_present_moment(client, clock):
    make_community()
    clock.stop_at(at(2026, 11, 24, 19, 59, 59))
    data = client.get("/api/hours/", {"at": "now"}).json()
    assert data["at"] == "2026-11-24T19:59:59+08:00"
    assert data["communities"][0]["open_now"] is True
    clock.stop_at(at(2026, 11, 24, 20))
    assert client.get("/api/hours/", {"at": "now"}).json()["communities"][0]["open_now"] is False


@pytest.mark.parametrize("offset", ["+08:00", " 08:00"])
def test_the_local_offset_may_be_given(client, offset):
    make_community()
    data = client.get("/api/hours/", {"at": f"2026-11-24T19:30{offset}"}).json()
    assert data["at"] == "2026-11-24T19:30:00+08:00"


def test_at_narrows_to_one_community_or_says_it_is_unknown(client):
    community, _ = make_community(), make_community()
    query = {"at": "2026-11-24T19:30", "community": community.slug}
    assert [c["slug"] for c in client.get("/api/hours/", query).json()["communities"]] == [
        community.slug
    ]
    response = client.get("/api/hours/", {"at": "2026-11-24T19:30", "community": "nowhere"})
    assert response.status_code == 404 and "nowhere" in response.json()["error"]


def test_the_last_day_answers_too(client):
    make_community()
    assert client.get("/api/hours/", {"at": "2099-12-31T19:00"}).status_code == 200


@pytest.mark.parametrize(
    ("at_", "says"),
    [
        ("", "YYYY-MM-DDTHH:MM"),
        ("2026-13-01T10:00", "YYYY-MM-DDTHH:MM"),
        ("2026-11-24 19:30", "YYYY-MM-DDTHH:MM"),
        ("2026-11-24", "YYYY-MM-DDTHH:MM"),
        ("2026-11-24T19:30\x00", ""),  # refused before the view, by RejectNulCharacters
        ("9" * 5000, "YYYY-MM-DDTHH:MM"),
        ("2026-11-24T11:30Z", "+08:00"),
        ("2026-11-24T19:30-05:00", "+08:00"),
        ("1999-12-31T23:00", "2000-01-01"),
        ("2100-01-01T10:00", "2099-12-31"),
    ],
)
def test_a_bad_at_is_a_400_with_a_message(client, at_, says):
    make_community()
    response = client.get("/api/hours/", {"at": at_})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"error"} and says in response.json()["error"]


def test_date_and_at_together_are_a_400(client):
    response = client.get("/api/hours/", {"date": "2026-11-24", "at": "2026-11-24T19:30"})
    assert response.status_code == 400 and response.json()["error"]


def test_at_costs_the_same_queries_however_many_communities(client, django_assert_num_queries):
    make_community()
    with django_assert_num_queries(4) as few:
        client.get("/api/hours/", {"at": "2026-11-24T19:30"})
    for _n in range(5):
        make_community(make_street_office())
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/hours/", {"at": "2026-11-24T19:30"}).json()["communities"]) == 6


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at_=st.one_of(
        st.text(max_size=40),
        st.datetimes().map(lambda moment: moment.isoformat()),
        st.datetimes().map(lambda moment: f"{moment:%Y-%m-%dT%H:%M}"),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?", fullmatch=True),
    )
)
def test_fuzzed_at_never_causes_a_server_error(client, at_):
    response = client.get("/api/hours/", {"at": at_})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["error"]
