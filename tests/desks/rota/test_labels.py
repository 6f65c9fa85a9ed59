"""Comp leave's hours are hours of leave wherever they are typed, never 开放时间."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admins_comp_leave_form_asks_for_hours_of_leave(client, head):
    client.force_login(head)
    page = client.get("/admin/desks/compleave/add/").content.decode()
    assert '<label class="required" for="id_hours">调休小时数:</label>' in page
    assert "开放时间" not in page


def test_the_desks_comp_leave_form_asks_for_hours_of_leave(client, worker):
    client.force_login(worker)
    page = client.get("/desk/me/").content.decode()
    assert "调休小时数" in page
