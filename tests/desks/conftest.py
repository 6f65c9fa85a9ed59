import pytest
from django.utils import translation


@pytest.fixture
def english():
    """Rule messages in English, so tests can match them; pages follow their URL's language."""
    with translation.override("en"):
        yield
