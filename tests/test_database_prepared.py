"""Statements prepared on PostgreSQL (servicedesk/settings.py: server-side binding and
psycopg's prepare_threshold): a statement a connection keeps running is parsed once."""

import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests.factories import make_service_item

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements"),
]


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def save(client, item):
    response = client.post(
        "/desk/requests/",
        {
            "service_item": item.pk,
            "channel": "walk_in",
            "outcome": "answered",
            "count": 1,
            "idempotency_key": str(uuid.uuid4()),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200


def forget_prepared():
    """Deallocate what this connection prepared: psycopg does at any rollback, a
    savepoint's included (docs/deploy.md, "Prepared statements")."""
    transaction.savepoint_rollback(transaction.savepoint_create())


def test_a_desk_s_repeated_statements_are_prepared_on_its_connection(client, worker):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    item = make_service_item()
    client.force_login(worker)
    for _ in range(threshold):
        save(client, item)  # whatever an earlier test left, these are prepared now
    assert prepared()
    forget_prepared()
    assert not prepared()
    save(client, item)
    assert not any("COUNT(*)" in statement for statement in prepared())
    for _ in range(threshold):
        save(client, item)
    counted = [statement for statement in prepared() if "COUNT(*)" in statement]
    # Today's count, after every save: the same text each time, with $n placeholders.
    assert len(counted) == 1
    assert '"desks_servicerequest"' in counted[0] and "$1" in counted[0]
    assert any(
        statement.startswith('INSERT INTO "desks_servicerequest"') for statement in prepared()
    )
