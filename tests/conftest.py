import os

import pytest
from django.utils import translation

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
    """Each test sees fresh pages; tests of caching itself switch a real cache on."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password by design; tests need not pay it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /en/ leaves English active in the thread; each test starts in Chinese."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()
