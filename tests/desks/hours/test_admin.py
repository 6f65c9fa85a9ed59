"""The admin of opening hours: date overrides, within the staff's own scope."""

import pytest
from django.urls import reverse

from desks.models import DateOverride
from tests.clock import at

pytestmark = pytest.mark.django_db


def test_street_office_staff_cannot_close_another_offices_centre(
    client, clock, office, other_office
):
    clock.stop_at(at(2026, 11, 24, 15))
    theirs = other_office.street_office.communities.get()
    client.force_login(office)
    response = client.post(
        reverse("admin:desks_dateoverride_add"),
        {"community": theirs.pk, "date": "2026-12-01", "reason": "hack"},
    )
    assert response.status_code == 200
    assert not DateOverride.objects.exists()
