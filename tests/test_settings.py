"""Start-up configuration, checked in a fresh process as a server would start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k8Jv3q-pW0zQe7YfLr2Nt5Bx9Hc4Ud6Sa1Gm8Vo3Ki7Tj2Fy5Rn0Ew4Pb9Xl6Zh",
    "ALLOWED_HOSTS": "desk.example.gov.cn",
    "RESIDENT_ID_HMAC_KEY": "Qm7tZr2Lx9Wc4Hv8Np3Sd6Gk1Jf5Ty0Ub-Ea7Ro2Mi",
    "DATABASE_URL": "sqlite:///:memory:",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args, **environment):
    unset = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "url", ["nosuchdb://x", "postgres://user@host:notaport/db", "mysql://root@127.0.0.1/x"]
)
def test_a_bad_database_url_stops_start_up_naming_the_variable(url):
    result = manage("check", DEBUG="true", DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "perhaps"),
        ("DATABASE_POOL_MAX", "many"),
        ("DATABASE_PREPARE_THRESHOLD", "soon"),
        ("DATABASE_PREPARE_THRESHOLD", "0"),
        ("HTTPS", "maybe"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    postgres = "postgres://postgres@127.0.0.1:5432/postgres"
    result = manage("check", **{"DEBUG": "true", "DATABASE_URL": postgres, name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_deployment_checklist_passes_in_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def postgresql_options(**env) -> str:
    """settings.DATABASES["default"]["OPTIONS"] on PostgreSQL with `env`, as printed."""
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_postgresql_uses_the_built_in_connection_pool_and_prepares_statements():
    options = postgresql_options(DATABASE_POOL_MAX="7", DATABASE_PREPARE_THRESHOLD="3")
    assert "'max_size': 7" in options
    assert "'server_side_binding': True, 'prepare_threshold': 3" in options


def test_preparing_statements_can_be_switched_off():
    assert "'prepare_threshold': None" in postgresql_options(DATABASE_PREPARE_THRESHOLD="off")


def test_the_deployment_checklist_wants_a_shared_cache_for_the_limits():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "CACHE_URL": "locmemcache://"},
    )
    assert result.returncode != 0
    assert "desks.W002" in result.stderr


def test_the_deployment_checklist_wants_trusted_proxies_behind_a_proxy():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "BEHIND_PROXY": "true"}
    )
    assert result.returncode != 0
    assert "desks.W001" in result.stderr
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "BEHIND_PROXY": "true", "TRUSTED_PROXIES": "127.0.0.1"},
    )
    assert result.returncode == 0, result.stderr


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up():
    result = manage("check", DEBUG="true", TRUSTED_PROXIES="127.0.0.1,nginx")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_email_url_configures_the_default_mailer():
    show = "from django.conf import settings; print(settings.MAILERS)"
    configured = manage(
        "shell",
        "-c",
        show,
        DEBUG="true",
        EMAIL_URL="smtp+tls://desk:secret@smtp.example.gov.cn:587",
    )
    assert "'host': 'smtp.example.gov.cn'" in configured.stdout, configured.stderr
    assert "'port': 587" in configured.stdout and "'use_tls': True" in configured.stdout


@pytest.mark.parametrize(("debug", "backend"), [("false", "LocMemCache"), ("true", "DummyCache")])
def test_fragments_are_kept_per_process_in_production_and_not_in_development(debug, backend):
    """runserver reloads templates and translations without a restart: a kept fragment
    would show the old ones."""
    env = PRODUCTION | {"DEBUG": debug, "CACHE_URL": "dummycache://"}
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['template_fragments'])",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert f".{backend}'" in result.stdout
