"""A closure saved in the admin reaches the residents, the rota and the head at once.

Two gunicorn servers share one SQLite file and one cache (Redis when it is up, as in
production and CI; else each process's own cache, which keeps a page 5 s at most).
The street office saves tomorrow's closure through the admin of server A, in Chromium;
server B's JSON and the centre's page must say closed, with the reason, within 5 s;
the two workers rostered for tomorrow see the cancellation on /desk/me/, and the
head's list of rota conflicts is empty. The servers run on the real clock.
"""

import datetime as dt
import json
import time

import pytest

from tests.clock import SHANGHAI
from tests.factories import PASSWORD
from tests.servers import (
    FRESH_SECONDS,
    app_server,
    in_another_process,
    migrated_sqlite,
    page,
    shared_cache_url,
    shown_by,
)

REASON = "停电检修暂停开放"

SCENARIO = """
import datetime as dt
from django.utils import timezone
from desks.models import Role
from desks.rota.planning import generate_month, publish
from tests.factories import make_community, make_street_office, make_user
office = make_street_office(name="东湖街道", slug="donghu")
centre = make_community(office, name="和平社区", slug="heping")
head = make_user(Role.HEAD, centre, username="head")
for name in ("worker-1", "worker-2"):
    make_user(Role.WORKER, centre, username=name)
make_user(Role.OFFICE, street_office=office, username="clerk")
now = timezone.now()
tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
for month in sorted({timezone.localdate(now).replace(day=1), tomorrow.replace(day=1)}):
    publish(generate_month(centre, month, now).rota_month, head, now)
assert centre.slots.filter(date=tomorrow, assignments__isnull=False).exists()
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    env = {"DATABASE_URL": migrated_sqlite(tmp_path_factory.mktemp("closure"))}
    env["CACHE_URL"] = shared_cache_url()
    in_another_process(env, SCENARIO.strip())
    with app_server(env) as a, app_server(env) as b:
        yield a, b


def log_in(browser, server: str, username: str, next: str):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    tab = context.new_page()
    tab.goto(f"{server}/accounts/login/?next={next}")
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(f"{server}{next}")
    return tab


def test_a_closure_for_tomorrow_reaches_the_public_the_workers_and_the_head(browser, servers):
    a, b = servers
    tomorrow = dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=1)
    api = f"{b}/api/hours/?date={tomorrow}&community=heping"
    centre_page = f"{b}/c/heping/"
    # Server B has tomorrow's answers in its cache before the change.
    assert json.loads(page(api))["communities"][0]["status"] == "open"
    assert REASON not in page(centre_page)

    clerk = log_in(browser, a, "clerk", "/admin/desks/dateoverride/add/")
    clerk.select_option("#id_community", label="和平社区")
    clerk.fill("#id_date", tomorrow.isoformat())
    clerk.fill("#id_reason", REASON)
    clerk.locator("input[name=_save]").click()
    clerk.wait_for_url(f"{a}/admin/desks/dateoverride/")
    saved = time.time()
    assert REASON in clerk.content()

    shown_by(api, REASON, saved + FRESH_SECONDS)
    answer = json.loads(page(api))["communities"][0]
    assert (answer["status"], answer["windows"], answer["note"]) == ("closed", [], REASON)
    shown_by(centre_page, REASON, saved + FRESH_SECONDS)

    for worker in ("worker-1", "worker-2"):
        duty = log_in(browser, b, worker, "/desk/me/")
        cancelled = duty.locator(".cancelled", has_text=REASON)
        assert cancelled.count() == 1, duty.content()
        assert "已取消" in cancelled.inner_text()
        duty.context.close()

    head = log_in(browser, b, "head", "/desk/rota/conflicts/")
    assert "排班与开放时间一致。" in head.content()
    head.context.close()
    clerk.context.close()
