import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AccessLog, Resident, Tag
from residents.views import PAGE_SIZE
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

URL = reverse("residents:search")


def test_it_lists_the_community_s_residents_with_masked_phones(client, cast):
    client.force_login(cast.worker_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert "张桂英" in response.text
    assert "139****1111" in response.text
    assert "13900001111" not in response.text


def test_it_hides_other_communities_residents(client, cast):
    client.force_login(cast.worker_a)
    body = client.get(URL).text
    assert "李建国" not in body and "王秀兰" not in body


def test_street_office_staff_see_their_office_s_communities(client, cast):
    client.force_login(cast.staff_1)
    body = client.get(URL).text
    assert "张桂英" in body and "李建国" in body and "王秀兰" not in body


def test_it_requires_login(client, cast):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    # htmx is sent to the login page (HX-Redirect), never given it to swap into the page.
    response = client.post(URL, {"q": "王秀兰"}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert "王秀兰" not in response.text


def test_it_finds_by_phone_tail(client, cast):
    client.force_login(cast.staff_1)
    response = client.post(URL, {"q": "2222"})
    assert "李建国" in response.text and "张桂英" not in response.text


def test_a_search_never_finds_another_community_s_resident(client, cast):
    client.force_login(cast.worker_a)
    for query in ("李建国", "2222", "13900002222"):
        body = client.post(URL, {"q": query}).text
        assert "李建国" not in body


def test_another_street_office_cannot_find_our_residents(client, cast):
    client.force_login(cast.staff_2)
    body = client.post(URL, {"q": "张桂英"}, headers={"HX-Request": "true"}).text
    assert "张桂英" not in body


def test_htmx_gets_only_the_results_fragment(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(URL, {"q": "桂英"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "张桂英" in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_the_htmx_fragment_hides_other_communities_residents(client, cast):
    client.force_login(cast.worker_a)
    body = client.post(URL, {"q": "李"}, headers={"HX-Request": "true"}).text
    assert "李建国" not in body


def test_sensitive_tags_are_hidden_from_duty_workers(client, cast):
    cast.resident_a.tags.set(Tag.objects.filter(name__in=["残疾人", "外来务工"]))
    client.force_login(cast.worker_a)
    body = client.get(URL).text
    assert "外来务工" in body and "残疾人" not in body
    client.force_login(cast.head_a)
    assert "残疾人" in client.get(URL).text


def test_a_search_is_never_sent_in_the_address(client, cast):
    client.force_login(cast.worker_a)
    body = client.get(URL).text
    assert 'method="post"' in body and 'hx-post="/desk/residents/"' in body


def test_an_empty_search_is_not_an_error(client, cast):
    client.force_login(cast.worker_a)
    assert client.post(URL, {"q": ""}).status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_takes_the_same_number_of_queries_however_long(
    client, cast, django_assert_num_queries, count
):
    tags = list(Tag.objects.all()[:2])
    for n in range(count):
        make_resident(cast.a, phone=f"1370000{n:04d}").tags.set(tags)
    client.force_login(cast.worker_a)
    client.get(reverse("desks:home"))  # the session's first request writes it
    # session, user, count, page of residents, their tags, the access record
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200
    # a search counts nothing: session, user, residents, their tags, the access record
    with django_assert_num_queries(5):
        assert client.post(URL, {"q": "居民"}, headers={"HX-Request": "true"}).status_code == 200


def test_a_query_longer_than_any_name_is_explained_and_lists_nobody(client, cast):
    client.force_login(cast.worker_a)
    response = client.post("/en" + URL, {"q": "张" * 51}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "at most 50 characters" in response.text
    assert "张桂英" not in response.text
    assert not AccessLog.objects.exists()


def test_an_emptied_search_box_shows_the_list_again(client, cast):
    client.force_login(cast.worker_a)
    response = client.post(URL, {"q": ""}, headers={"HX-Request": "true"})
    assert "张桂英" in response.text
    assert AccessLog.objects.get().action == AccessLog.Action.SEARCHED


def test_a_search_that_finds_nobody_is_recorded(client, cast):
    client.force_login(cast.worker_a)
    client.post(URL, {"q": "13900009999"}, headers={"HX-Request": "true"})
    record = AccessLog.objects.get()
    assert (record.action, record.user, record.resident_count) == ("searched", cast.worker_a, 0)


def test_a_search_never_finds_a_resident_marked_anonymised(client, cast):
    # Even a row whose details were not all cleared: the mark is what counts.
    Resident.objects.filter(pk=cast.resident_a.pk).update(anonymised_at=timezone.now())
    client.force_login(cast.head_a)
    body = client.post(URL, {"q": "张桂英"}, headers={"HX-Request": "true"}).text
    assert "张桂英" not in body


def test_a_search_finding_more_than_a_page_says_so(client, cast):
    for n in range(PAGE_SIZE + 1):
        make_resident(cast.a, name=f"王{n:02d}", phone=f"1370000{n:04d}")
    client.force_login(cast.worker_a)
    response = client.post("/en" + URL, {"q": "王"}, headers={"HX-Request": "true"})
    assert f"{PAGE_SIZE} residents found" in response.text
    assert f"Only the first {PAGE_SIZE} are shown" in response.text


def test_the_record_names_the_client_behind_the_proxy_not_the_proxy(client, cast, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.force_login(cast.worker_a)
    client.post(
        URL,
        {"q": "13900009999"},
        headers={"HX-Request": "true", "X-Forwarded-For": "203.0.113.9"},
    )
    assert AccessLog.objects.get().ip_address == "203.0.113.9"


def test_a_forwarded_address_from_an_untrusted_peer_is_not_recorded(client, cast, settings):
    settings.TRUSTED_PROXIES = []
    client.force_login(cast.worker_a)
    client.post(
        URL,
        {"q": "13900009999"},
        headers={"HX-Request": "true", "X-Forwarded-For": "203.0.113.9"},
    )
    assert AccessLog.objects.get().ip_address == "127.0.0.1"
