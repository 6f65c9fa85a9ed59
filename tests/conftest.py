import os

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from desks.models import Role
from tests.clock import Clock
from tests.factories import make_community, make_street_office, make_user

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Serve static files without the manifest, so tests need no collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Each test sees fresh pages; tests of caching itself switch a real cache on. The
    fragments the same for everyone in a language are kept, as in production (not as
    with DEBUG), from an empty cache in each test."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "template_fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "template_fragments",
        },
    }
    caches["template_fragments"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password by design; tests need not pay it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _short_rota_search(settings):
    """The planner searches each month briefly: seeding the demo plans dozens of months.
    Tests of the plan's quality pass their own `seconds`."""
    settings.ROTA_SOLVER_SECONDS = 0.1


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /en/ leaves English active in the thread; each test starts in Chinese."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def clock(time_machine):
    """Freeze time at a Shanghai moment: `clock.stop_at(at(2026, 11, 24, 19, 20))`."""
    return Clock(time_machine)


# The cast: one street office with two communities, and its people. A test asks only for
# whom it needs; a module may override `community` (say, with its own opening hours) and
# the people follow it.


@pytest.fixture
def street_office(db):
    return make_street_office(name="和平街道")


@pytest.fixture
def community(street_office):
    return make_community(street_office, name="和平社区")


@pytest.fixture
def neighbour(street_office):
    """Another community of the same street office."""
    return make_community(street_office, name="幸福里社区")


@pytest.fixture
def head(community):
    return make_user(Role.HEAD, community=community, username="head")


@pytest.fixture
def worker(community):
    return make_user(community=community, username="worker")


@pytest.fixture
def colleague(community):
    """A second worker of the same community."""
    return make_user(community=community, username="colleague")


@pytest.fixture
def outsider(neighbour):
    """A worker of the neighbouring community: same office, not this community."""
    return make_user(community=neighbour, username="outsider")


@pytest.fixture
def office(street_office):
    """Street-office staff over both communities."""
    return make_user(Role.OFFICE, street_office=street_office, username="office")


@pytest.fixture
def other_office(db):
    """Staff of another street office, with a community of its own."""
    elsewhere = make_street_office(name="光明街道")
    make_community(elsewhere, name="光明社区")
    return make_user(Role.OFFICE, street_office=elsewhere, username="other-office")


@pytest.fixture
def own_connection():
    """A PostgreSQL connection of its own to the test database, in autocommit: as the pool
    holds one, or as a migration running beside the app has."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname=db["NAME"],
        autocommit=True,
    ) as own:
        yield own
