"""RESIDENT_ID_HMAC_KEY: required in production, apart from SECRET_KEY."""

from tests.test_settings import PRODUCTION, manage


def without_key():
    return {name: value for name, value in PRODUCTION.items() if name != "RESIDENT_ID_HMAC_KEY"}


def test_production_refuses_to_start_without_the_id_number_key():
    result = manage("check", **without_key())
    assert result.returncode != 0
    assert "RESIDENT_ID_HMAC_KEY" in result.stderr


def test_production_refuses_the_secret_key_as_the_id_number_key():
    result = manage("check", **{**PRODUCTION, "RESIDENT_ID_HMAC_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0
    assert "RESIDENT_ID_HMAC_KEY" in result.stderr


def test_production_refuses_a_short_id_number_key():
    result = manage("check", **{**PRODUCTION, "RESIDENT_ID_HMAC_KEY": "short"})
    assert result.returncode != 0
    assert "RESIDENT_ID_HMAC_KEY" in result.stderr


def test_development_has_a_default_key():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
