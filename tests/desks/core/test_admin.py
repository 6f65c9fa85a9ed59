"""The admin of street offices and communities, as street-office staff see it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_street_office_staff_cannot_move_a_community_to_another_office(
    client, office, community, other_office
):
    client.force_login(office)
    response = client.get(reverse("admin:desks_community_change", args=[community.pk]))
    assert response.status_code == 200
    assert 'name="street_office"' not in response.text
