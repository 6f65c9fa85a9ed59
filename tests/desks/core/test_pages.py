import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_community, make_service_item, make_user

pytestmark = pytest.mark.django_db


def test_the_desk_in_english_keeps_the_user_on_the_desk(client):
    client.force_login(make_user())
    body = client.get("/en/desk/").text
    assert '<html lang="en">' in body and "Duty desk" in body
    assert '<a href="/desk/" hreflang="zh-hans"' in body


def test_the_home_page_lists_every_community(client):
    first, second = make_community(name="和平社区"), make_community(name="光明社区")
    body = client.get("/").text
    assert first.name in body and second.name in body


def test_the_home_page_speaks_chinese_by_default(client):
    body = client.get("/").text
    assert '<html lang="zh-hans">' in body
    assert "延时服务" in body


def test_english_is_one_link_away(client):
    body = client.get("/").text
    assert '<a href="/en/" hreflang="en" lang="en">English</a>' in body
    response = client.get("/en/")
    assert '<html lang="en">' in response.text
    assert "Extended-hours service" in response.text


def test_the_community_page_shows_what_to_bring(client):
    community = make_community()
    make_service_item(name="居民医保参保登记", materials="身份证原件\n户口本原件")
    make_service_item(name="党员组织关系转接", offered_in_extended_hours=False)
    body = client.get(community.get_absolute_url()).text
    assert "居民医保参保登记" in body and "户口本原件" in body
    assert "党员组织关系转接" not in body


def test_an_unknown_community_is_a_404(client):
    assert client.get("/c/nowhere/").status_code == 404


def test_the_desk_requires_login(client):
    response = client.get(reverse("desks:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_worker_logs_in_and_reaches_the_desk(client):
    worker = make_user(username="wang")
    response = client.post(
        reverse("login"), {"username": "wang", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("desks:home")
    assert worker.community.name in response.text


def test_a_wrong_password_is_refused_with_a_message(client):
    make_user(username="wang")
    response = client.post(reverse("login"), {"username": "wang", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "errorlist" in response.text


def test_logout_needs_a_post(client):
    client.force_login(make_user())
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
