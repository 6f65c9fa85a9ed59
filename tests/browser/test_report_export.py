import pytest

from desks.models import Role
from tests.factories import make_community, make_street_office, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_export_without_show_downloads_the_month_and_community_chosen(page, log_in, live_server):
    office = make_street_office(name="东湖街道", slug="donghu")
    make_community(office, name="和平社区", slug="heping")
    make_community(office, name="光明社区", slug="guangming")
    make_user(Role.OFFICE, street_office=office, username="clerk")
    log_in(page, "clerk", next="/admin/reports/?month=2026-11")

    page.get_by_label("月份").fill("2026-10")
    page.get_by_label("范围").select_option(label="和平社区")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()  # 查看 never clicked
    assert download.value.suggested_filename == "report-heping-2026-10.xlsx"
