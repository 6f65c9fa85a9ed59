"""servicedesk's middleware: a NUL character never reaches a view."""

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/?office=%00", "/api/hours/?community=%00", "/r/ab%00cd/", "/?date=2026%0011-24"]
)
def test_a_nul_character_is_a_400(client, path):
    assert client.get(path).status_code == 400


def test_a_posted_nul_character_is_a_400(client):
    client.force_login(make_user())
    response = client.post(reverse("desks:resident_search"), {"resident_q": "王\x00"})
    assert response.status_code == 400


def test_the_api_answers_a_nul_character_with_a_json_message(client):
    response = client.get("/api/hours/", {"at": "2026-11-24T19:30\x00"})
    assert response.status_code == 400 and response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"
