import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desks.models import DateOverride
from tests.clock import at
from tests.factories import make_community

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
