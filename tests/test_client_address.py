"""The client's address behind a reverse proxy (desks.core.client), and who asks it:
the login lockout and the export records (access records: tests/residents)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from desks.core.client import client_ip
from desks.models import ExportRecord
from tests.clock import at
from tests.factories import PASSWORD, make_user

LOGIN = reverse("login")
NGINX = "127.0.0.1"


def asked(remote_addr, forwarded=None):
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXIES = []
    assert asked("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert asked("127.0.0.1", "198.51.100.1") == "127.0.0.1"


def test_a_spoofed_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert asked("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_it_names_is_the_client(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    assert asked(NGINX, "198.51.100.1") == "198.51.100.1"
    assert asked(NGINX, " 2001:db8::5 ") == "2001:db8::5"


def test_what_the_client_wrote_left_of_the_proxy_s_entry_is_not_believed(settings):
    # nginx appends the address it saw: the client's own "X-Forwarded-For: 1.2.3.4" stays left.
    settings.TRUSTED_PROXIES = [NGINX]
    assert asked(NGINX, "1.2.3.4, 198.51.100.1") == "198.51.100.1"
    assert asked(NGINX, "garbage, 198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = [NGINX, "10.0.0.0/8"]
    assert asked(NGINX, "1.2.3.4, 198.51.100.1, 10.1.2.3") == "198.51.100.1"


def test_a_header_with_nothing_usable_leaves_the_last_trusted_address(settings):
    settings.TRUSTED_PROXIES = [NGINX, "10.0.0.0/8"]
    assert asked(NGINX) == NGINX
    assert asked(NGINX, "") == NGINX
    assert asked(NGINX, "not-an-address") == NGINX
    assert asked(NGINX, "not-an-address, 10.1.2.3") == "10.1.2.3"
    assert asked(NGINX, "10.1.2.3") == "10.1.2.3"


def test_an_ipv4_client_on_an_ipv6_socket_is_the_ipv4_client(settings):
    settings.TRUSTED_PROXIES = []
    assert asked("::ffff:203.0.113.7") == "203.0.113.7"


def test_a_request_without_a_peer_address_has_no_client_address():
    assert asked("") is None


# The login lockout (django-axes asks client_ip)


def fail_five_times(client, forwarded):
    for _ in range(5):
        response = client.post(
            LOGIN,
            {"username": "wangli", "password": "wrong"},
            headers={"X-Forwarded-For": forwarded},
        )
    return response


def sign_in(client, forwarded):
    return client.post(
        LOGIN,
        {"username": "wangli", "password": PASSWORD},
        headers={"X-Forwarded-For": forwarded},
    )


@pytest.mark.django_db
def test_behind_the_proxy_five_failures_lock_only_the_client_that_made_them(client, settings):
    settings.TRUSTED_PROXIES = [NGINX]
    make_user(username="wangli")
    assert fail_five_times(client, "198.51.100.1").status_code == 429
    assert sign_in(client, "198.51.100.1").status_code == 429
    assert "_auth_user_id" not in client.session
    other = Client()
    assert sign_in(other, "198.51.100.2").status_code == 302  # a colleague elsewhere
    assert other.session["_auth_user_id"]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


@pytest.mark.django_db
def test_a_spoofed_header_from_an_untrusted_peer_does_not_dodge_the_lockout(client, settings):
    settings.TRUSTED_PROXIES = []
    make_user(username="wangli")
    for number in range(5):
        client.post(
            LOGIN,
            {"username": "wangli", "password": "wrong"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )
    response = sign_in(client, "198.51.100.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


# Export records


@pytest.mark.django_db
def test_an_export_records_the_client_behind_the_proxy(client, settings, office, community, clock):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    settings.TRUSTED_PROXIES = [NGINX]
    client.force_login(office)
    response = client.get(
        "/en/admin/reports/export.csv",
        {"month": "2026-10"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert response.status_code == 200
    assert ExportRecord.objects.get().ip_address == "203.0.113.9"
