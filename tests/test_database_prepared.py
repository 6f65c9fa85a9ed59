"""Statements prepared on PostgreSQL (servicedesk/settings.py: server-side binding and
psycopg's prepare_threshold): a statement a connection keeps running is parsed once, and
one refused after a migration changed its column's type is prepared again
(servicedesk/database/base.py)."""

import uuid

import pytest
from django.conf import settings
from django.db import NotSupportedError, connection, transaction

from desks.models import Community
from tests.factories import make_community, make_service_item

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


@pytest.fixture
def phone_lengthened(own_connection):
    """Lengthen desks_community.phone from the other connection, as a migration would;
    put it back after the test."""
    (length,) = own_connection.execute(
        "SELECT character_maximum_length FROM information_schema.columns"
        " WHERE table_name = 'desks_community' AND column_name = 'phone'"
    ).fetchone()

    def lengthen():
        own_connection.execute(
            f"ALTER TABLE desks_community ALTER COLUMN phone TYPE varchar({length + 1})"
        )

    yield lengthen
    own_connection.execute(f"ALTER TABLE desks_community ALTER COLUMN phone TYPE varchar({length})")


def phones(community):
    """A statement the connection prepares once it has run it often enough."""
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        found = list(Community.objects.filter(pk=community.pk).values_list("phone", flat=True))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_migration_changed_its_column_runs_again(
    phone_lengthened,
):
    community = make_community(phone="83456789")
    assert phones(community) == ["83456789"]
    assert any('"desks_community"."phone"' in statement for statement in prepared())
    phone_lengthened()
    # Outside a transaction the refused statement is prepared again and runs.
    assert phones(community) == ["83456789"]


@pytest.fixture
def without_the_backend_s_answer():
    wrappers = connection.execute_wrappers[:]
    connection.execute_wrappers.clear()
    yield
    connection.execute_wrappers[:] = wrappers


@pytest.mark.django_db(transaction=True)
def test_without_the_backend_s_answer_the_connection_would_keep_failing(
    phone_lengthened, without_the_backend_s_answer
):
    """The test above could fail: psycopg alone sends the refused statement again."""
    community = make_community(phone="83456789")
    phones(community)
    phone_lengthened()
    for _ in range(2):
        with pytest.raises(NotSupportedError, match="cached plan must not change result type"):
            phones(community)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_refusal_stands_and_the_rollback_heals(phone_lengthened):
    community = make_community(phone="83456789")
    phones(community)
    phone_lengthened()
    with pytest.raises(NotSupportedError), transaction.atomic():
        phones(community)
    assert phones(community) == ["83456789"]
