import pytest
from django.urls import reverse

from residents.models import Tag
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
    response = client.post(URL, {"q": "王秀兰"}, headers={"HX-Request": "true"})
    assert response.status_code == 302
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
    with django_assert_num_queries(6):
        assert client.post(URL, {"q": "居民"}, headers={"HX-Request": "true"}).status_code == 200
