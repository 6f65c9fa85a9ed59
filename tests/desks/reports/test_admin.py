"""The reports' admin: export records, within the staff's own street office."""

import pytest
from django.urls import reverse

from desks.models import ExportRecord
from tests.clock import at

pytestmark = pytest.mark.django_db


def test_export_records_are_seen_only_by_their_own_office(client, office, other_office):
    ExportRecord.objects.create(
        user=other_office,
        exported_at=at(2026, 11, 24, 15),
        what="西湖街道 2026-10",
        file_format="csv",
    )
    client.force_login(office)
    response = client.get(reverse("admin:desks_exportrecord_changelist"))
    assert response.status_code == 200
    assert "西湖街道 2026-10" not in response.text
