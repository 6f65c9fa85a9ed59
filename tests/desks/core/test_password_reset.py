"""Password reset by mail only while mail is configured (EMAIL_URL); else the street office."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

RESET_PAGES = (
    "/en/accounts/password_reset/",
    "/en/accounts/password_reset/done/",
    "/en/accounts/reset/MQ/set-password/",
    "/en/accounts/reset/done/",
)


def test_without_mail_the_reset_pages_are_not_found(client, settings, worker):
    settings.EMAIL_URL = ""
    for url in RESET_PAGES:
        assert client.get(url).status_code == 404, url
    response = client.post("/en/accounts/password_reset/", {"email": worker.email or "a@b.cn"})
    assert response.status_code == 404
    assert mail.outbox == []


def test_without_mail_the_login_page_says_to_ask_the_street_office(client, settings):
    settings.EMAIL_URL = ""
    page = client.get("/en/accounts/login/").text
    assert "Ask your street office to reset it" in page
    assert "/accounts/password_reset/" not in page


def test_with_mail_a_worker_resets_their_password(client, settings, worker):
    settings.EMAIL_URL = "smtp://mail.example.gov.cn:25"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    worker.email = "zhao@example.gov.cn"
    worker.save(update_fields=["email"])
    page = client.get("/en/accounts/login/").text
    assert 'href="/en/accounts/password_reset/"' in page
    assert "Ask your street office" not in page

    response = client.post("/en/accounts/password_reset/", {"email": "zhao@example.gov.cn"})
    assert response.status_code == 302 and response["Location"].endswith("/password_reset/done/")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhao@example.gov.cn"]
    link = re.search(r"http://testserver(/\S+/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-password-42", "new_password2": "a-long-new-password-42"},
    )
    assert done.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("a-long-new-password-42")
