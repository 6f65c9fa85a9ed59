"""A full ID number, once typed into the desk, is nowhere to be found afterwards."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

from tests.residents.conftest import valid_id_number

pytestmark = pytest.mark.django_db

NUMBER = valid_id_number(serial=123, birth="19470815")


def every_row_of_every_table():
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                yield table, repr(row)


def test_the_id_number_is_not_in_any_response_log_line_export_or_table(client, cast, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(cast.worker_a)
    data = {
        "name": "孙德明",
        "phone": "13712345678",
        "id_number": NUMBER,
        "consent": "on",
    }
    responses = []
    # A form with an error elsewhere is shown again: without the number in it.
    responses.append(client.post(reverse("residents:create"), {**data, "phone": "bad"}))
    assert responses[-1].status_code == 200
    responses.append(client.post(reverse("residents:create"), data, follow=True))
    assert "孙德明" in responses[-1].text
    # A search by the number, full page and htmx fragment.
    by_id = {"id_number": NUMBER, "reason": "serving"}
    responses.append(client.post(reverse("residents:search_by_id_number"), by_id))
    assert "孙德明" in responses[-1].text
    responses.append(
        client.post(reverse("residents:search_by_id_number"), by_id, headers={"HX-Request": "true"})
    )
    responses.append(client.post(reverse("residents:export")))
    resident_url = responses[1].redirect_chain[-1][0]
    responses.append(client.get(resident_url + "edit/"))

    for response in responses:
        assert NUMBER not in response.content.decode(), response.request["PATH_INFO"]
        assert NUMBER not in str(response.headers)
        assert NUMBER not in resident_url
    for record in caplog.records:
        assert NUMBER not in record.getMessage()
        assert NUMBER[:17] not in record.getMessage()
    rows = list(every_row_of_every_table())
    assert any("孙德明" in row for _, row in rows)
    for table, row in rows:
        assert NUMBER not in row, table
        assert NUMBER[:14] not in row, table
