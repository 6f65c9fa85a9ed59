"""No kept page outlives its answer: at 20:00:00 nobody is told "open", by Django's
cache, nginx or a browser; and a change reaches every process within 5 s."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from desks.core import public_cache
from desks.models import Community, VotingRound
from tests.clock import at
from tests.factories import make_community

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 11, 24)


class LateTimerCache(LocMemCache):
    """A cache whose own timer is late (as Redis's runs on its own clock, in whole
    seconds): it keeps everything, so only the middleware's expiry can refuse a copy."""

    def set(self, key, value, timeout=None, version=None):
        super().set(key, value, None, version)


def use_cache(settings, backend, **options):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": backend, "LOCATION": "test-public-cache-edges", **options},
    }
    cache.clear()


@pytest.fixture(autouse=True)
def locmem(settings):
    """A real cache, as in production with the default CACHE_URL (one per process)."""
    use_cache(settings, "django.core.cache.backends.locmem.LocMemCache")
    yield
    cache.clear()


@pytest.fixture
def late_timer(settings):
    use_cache(settings, f"{__name__}.LateTimerCache")


@pytest.fixture
def shared(settings, tmp_path):
    """A cache that is not per process (as Redis is): purges reach every server."""
    use_cache(
        settings, "django.core.cache.backends.filebased.FileBasedCache", LOCATION=str(tmp_path)
    )


@pytest.fixture
def centre():
    return make_community(name="和平社区")


def unsignalled_rename(community, name):
    """A change the page cache is not told about, to show what it keeps."""
    Community.objects.filter(pk=community.pk).update(name=name)


def max_age(response) -> int:
    directives = dict(
        part.strip().partition("=")[::2] for part in response.headers["Cache-Control"].split(",")
    )
    return int(directives["max-age"])


@pytest.mark.parametrize("cache_fixture", ["locmem", "late_timer"])
@pytest.mark.parametrize("path", ["/", "/en/", "/c/{slug}/"])
def test_at_20_00_00_a_page_kept_at_19_59_59_is_not_served(
    client, clock, centre, path, cache_fixture, request
):
    request.getfixturevalue(cache_fixture)
    path = path.format(slug=centre.slug)
    clock.stop_at(at(2026, 11, 24, 19, 59, 59))
    assert "state open" in client.get(path).text
    clock.stop_at(at(2026, 11, 24, 20))
    body = client.get(path).text
    assert "state open" not in body and "state closed" in body


def test_a_page_is_kept_until_its_edge_and_not_a_moment_longer(client, clock, centre, late_timer):
    clock.stop_at(at(2026, 11, 24, 19, 59, 57))
    client.get("/")
    unsignalled_rename(centre, "改名社区")
    clock.stop_at(at(2026, 11, 24, 19, 59, 59) + dt.timedelta(microseconds=999_999))
    assert "和平社区" in client.get("/").text  # kept: the answer is still true
    clock.stop_at(at(2026, 11, 24, 20))
    assert "改名社区" in client.get("/").text


def test_api_open_now_turns_at_20_00_00_despite_a_kept_copy(client, clock, centre, late_timer):
    clock.stop_at(at(2026, 11, 24, 19, 59, 59))
    assert client.get("/api/hours/?at=now").json()["communities"][0]["open_now"] is True
    clock.stop_at(at(2026, 11, 24, 20))
    assert client.get("/api/hours/?at=now").json()["communities"][0]["open_now"] is False


@pytest.mark.parametrize(
    ("moment", "seconds_to_edge"),
    [
        (at(2026, 11, 24, 15), 3 * 3600),
        (at(2026, 11, 24, 17, 59, 57), 3),
        (at(2026, 11, 24, 19, 59, 55), 5),
        (at(2026, 11, 24, 19, 59, 58), 2),
        (at(2026, 11, 24, 19, 59, 59), 1),
        (at(2026, 11, 24, 19, 59, 59) + dt.timedelta(microseconds=500_000), 0),
        (at(2026, 11, 24, 23, 59, 58), 2),  # midnight: "today" moves on
    ],
)
@pytest.mark.parametrize("path", ["/", "/c/{slug}/", "/api/hours/?at=now"])
def test_max_age_never_exceeds_the_seconds_to_the_edge(
    client, clock, centre, path, moment, seconds_to_edge
):
    clock.stop_at(moment)
    response = client.get(path.format(slug=centre.slug))
    assert response.status_code == 200
    assert max_age(response) == min(public_cache.SHARED_MAX_AGE, seconds_to_edge)


@pytest.mark.parametrize(
    "path", ["/api/hours/", "/c/{slug}/hours.ics", "/c/{slug}/poster/", "/?date=2026-11-30"]
)
def test_pages_of_a_day_expire_at_midnight(client, clock, centre, path):
    clock.stop_at(at(2026, 11, 24, 23, 59, 58))
    assert max_age(client.get(path.format(slug=centre.slug))) == 2


@pytest.mark.parametrize("path", ["/api/hours/?date=2026-11-24", "/api/hours/?at=2026-11-24T19:59"])
def test_an_answer_for_a_given_day_or_moment_does_not_depend_on_the_clock(client, clock, path):
    make_community()
    clock.stop_at(at(2026, 11, 24, 19, 59, 59))
    assert max_age(client.get(path)) == public_cache.SHARED_MAX_AGE


def test_a_kept_copy_tells_nginx_only_the_time_it_has_left(client, clock, centre):
    clock.stop_at(at(2026, 11, 24, 19, 59, 50))
    assert max_age(client.get("/")) == 5
    unsignalled_rename(centre, "改名社区")
    clock.stop_at(at(2026, 11, 24, 19, 59, 53))
    kept = client.get("/")
    assert "和平社区" in kept.text  # the kept copy
    assert max_age(kept) == 2  # kept until 19:59:55, so nginx keeps it no longer


def test_within_a_second_of_the_edge_nothing_is_kept(client, clock, centre):
    clock.stop_at(at(2026, 11, 24, 19, 59, 59) + dt.timedelta(microseconds=200_000))
    first = client.get("/")
    assert max_age(first) == 0
    unsignalled_rename(centre, "改名社区")
    assert "改名社区" in client.get("/").text


def test_a_voting_round_closing_is_an_edge_of_the_community_page(client, clock, centre):
    VotingRound.objects.create(
        community=centre, title="秋季点单", opens_at=at(2026, 11, 1), closes_at=at(2026, 11, 24, 15)
    )
    clock.stop_at(at(2026, 11, 24, 14, 59, 58))
    assert f"/c/{centre.slug}/vote/" in (page := client.get(centre.get_absolute_url())).text
    assert max_age(page) == 2
    clock.stop_at(at(2026, 11, 24, 15))
    assert f"/c/{centre.slug}/vote/" not in client.get(centre.get_absolute_url()).text


def test_with_a_per_process_cache_a_page_is_kept_5_seconds_at_most(client, clock, centre):
    """locmem: a save in another process cannot purge this one's copy; it ages out."""
    clock.stop_at(at(2026, 11, 24, 15))
    client.get("/")
    unsignalled_rename(centre, "改名社区")
    clock.stop_at(at(2026, 11, 24, 15, 0, 4) + dt.timedelta(microseconds=999_999))
    assert "和平社区" in client.get("/").text
    clock.stop_at(at(2026, 11, 24, 15, 0, public_cache.LOCAL_PAGE_SECONDS))
    assert "改名社区" in client.get("/").text


def test_with_a_shared_cache_a_page_is_kept_longer_as_the_purge_reaches_everyone(
    client, clock, centre, shared
):
    kept_at = clock.stop_at(at(2026, 11, 24, 15))
    client.get("/")
    unsignalled_rename(centre, "改名社区")
    clock.stop_at(kept_at + dt.timedelta(seconds=public_cache.PAGE_SECONDS - 1))
    assert "和平社区" in client.get("/").text
    clock.stop_at(kept_at + dt.timedelta(seconds=public_cache.PAGE_SECONDS))
    assert "改名社区" in client.get("/").text


@pytest.mark.django_db
def test_a_bad_host_header_is_the_clients_error_not_an_unreachable_cache(client, caplog):
    response = client.get("/", HTTP_HOST="bad host")
    assert response.status_code == 400
    assert "unreachable" not in caplog.text
