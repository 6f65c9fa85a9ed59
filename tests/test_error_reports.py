"""A 500's log line and error report name no resident: no name, phone, ID number or hash."""

import logging
import sys

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.views.debug import get_exception_reporter_class

from residents.models import Resident
from servicedesk.error_reports import Formatter
from tests.factories import make_community, make_resident, make_user
from tests.residents.conftest import valid_id_number

pytestmark = pytest.mark.django_db

NAME, PHONE = "赵凤英", "13812345678"


@pytest.fixture
def failing_registration(monkeypatch):
    """Registering fails deep inside, where a Resident with the form's data is a local."""

    def breaks(resident, recorded_by, now):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Resident, "record_consent", breaks)


def test_a_500_while_registering_a_resident_reports_no_personal_data(failing_registration, caplog):
    community = make_community()
    client = Client(raise_request_exception=False)
    client.force_login(make_user(community=community))
    # Its last 4 end in X: four digits alone can turn up in a report's object ids.
    number = valid_id_number(serial=7)
    assert number.endswith("X")
    data = {"name": NAME, "phone": PHONE, "id_number": number, "notes": "独居", "consent": "on"}
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(f"{reverse('residents:create')}?q={PHONE}", data)
    assert response.status_code == 500
    [record] = [record for record in caplog.records if record.name == "django.request"]
    reporter = get_exception_reporter_class(record.request)(
        record.request, *record.exc_info, is_email=True
    )
    text, html = reporter.get_traceback_text(), reporter.get_traceback_html()
    assert "the disk is full" in text and "phone = '****" in text  # still a report, names kept
    assert "record_consent" in text
    for report in (text, html, Formatter().format(record)):
        for secret in (NAME, PHONE, number, number[-4:], "独居"):
            assert secret not in report


def test_a_duplicate_key_in_the_log_names_no_value():
    resident = make_resident(make_community(), phone=PHONE)
    try:
        with transaction.atomic():
            Resident.objects.create(community=resident.community, name=NAME, phone=PHONE)
    except IntegrityError:
        exc_info = sys.exc_info()
    else:
        pytest.skip("this database does not enforce the constraint")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "500", (), exc_info)
    line = Formatter().format(record)
    assert "IntegrityError" in line and PHONE not in line


def test_the_console_log_uses_the_formatter_without_details():
    console = settings.LOGGING["handlers"]["console"]
    assert settings.LOGGING["formatters"][console["formatter"]]["()"] == (
        "servicedesk.error_reports.Formatter"
    )
