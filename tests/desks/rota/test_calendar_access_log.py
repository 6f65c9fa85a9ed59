"""gunicorn's access log never writes a worker's calendar secret, old address or new."""

import urllib.error
import urllib.request

from tests.servers import app_server, migrated_sqlite


def test_the_access_log_keeps_no_calendar_token(tmp_path):
    log = tmp_path / "access.log"
    env = {"DATABASE_URL": migrated_sqlite(tmp_path), "GUNICORN_ACCESS_LOG": str(log)}
    secret = "s3cret-Token_value"
    with app_server(env) as base:
        for path in (f"/desk/me/{secret}.ics", f"/desk/me.ics?token={secret}&x=1"):
            try:
                urllib.request.urlopen(base + path, timeout=10).close()
            except urllib.error.HTTPError as error:
                assert error.code in (404, 410)
    written = log.read_text()
    assert "/desk/me/….ics" in written and "/desk/me.ics?token=…&x=1" in written
    assert secret not in written
