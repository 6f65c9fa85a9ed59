"""Searching by full ID number: its own form, a reason, audited, locked after 10 misses."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from desks.models import Role
from residents import id_numbers, id_search
from residents.models import AccessLog, IdSearchLock
from tests.clock import at
from tests.factories import make_community, make_resident, make_user
from tests.residents.conftest import valid_id_number

URL = reverse("residents:search_by_id_number")
LOCKS_URL = reverse("residents:id_search_locks")
REAL = "420106195102111014"
# Districts of Wuhan an attacker would try: the community is in one of them.
REGIONS = [f"4201{code:02d}" for code in (6, 2, 3, 4, 5, 7, 11, 12, 13, 14, 15, 16, 17, 18)]


def lift_url(lock):
    return reverse("residents:lift_id_search_lock", args=[lock.pk])


def candidates():
    """What the attacker tries: the known last four (serial and check character) and
    birth year, every birth date of that year, the likely region codes; the real number
    at position 50."""
    serial, check = REAL[14:17], REAL[17]
    found = []
    for region in REGIONS:
        day = dt.date(1951, 1, 1)
        while day.year == 1951:
            first_17 = f"{region}{day:%Y%m%d}{serial}"
            number = first_17 + check
            if number != REAL and id_numbers.check_character(first_17) == check:
                found.append(number)
            day += dt.timedelta(days=1)
    guesses = found[:430]
    guesses.insert(49, REAL)
    return guesses


def by_id(number, reason="serving"):
    return {"id_number": number, "reason": reason}


@pytest.fixture
def known(cast):
    cast.resident_a.set_id_number(REAL)
    cast.resident_a.birth_year = 1951
    cast.resident_a.save()
    return cast.resident_a


def lock_out(user):
    for serial in range(id_search.ID_SEARCH_MAX_MISSES):
        id_search.search_by_id_number(
            user,
            valid_id_number(serial=serial + 100),
            reason="serving",
            ip_address=None,
            now=timezone.now(),
        )
    return IdSearchLock.objects.active().get(user=user)


def test_the_431_guess_attack_is_stopped_before_it_succeeds_and_every_guess_is_audited(
    client, cast, known, clock
):
    clock.stop_at(at(2026, 11, 24, 19, 30))
    guesses = candidates()
    assert len(guesses) == 431 and guesses[49] == REAL
    assert all(id_numbers.is_valid(number) for number in guesses)
    client.force_login(cast.worker_a)
    statuses = []
    for number in guesses:
        response = client.post(URL, by_id(number))
        statuses.append(response.status_code)
        assert known.name not in response.text, f"confirmed on guess {len(statuses)}"
        assert number not in response.text
    assert statuses[:9] == [200] * 9
    assert statuses[9:] == [429] * 422  # locked at the 10th miss, even for the real number
    records = AccessLog.objects.filter(user=cast.worker_a)
    assert records.filter(action="searched", search_key="id_number", resident_count=0).count() == 10
    assert records.filter(action="id_refused", search_key="id_number").count() == 421
    assert records.filter(action="id_locked").count() == 1
    assert not records.filter(resident_count__gt=0).exists()
    assert IdSearchLock.objects.active().get().user == cast.worker_a
    stored = repr(list(AccessLog.objects.values_list()))
    assert REAL not in stored and known.id_number_hash not in stored


def test_a_locked_search_says_so_in_plain_words(client, cast, known):
    lock_out(cast.worker_a)
    client.force_login(cast.worker_a)
    response = client.post(f"/en{URL}", by_id(REAL))
    assert response.status_code == 429
    assert "locked" in response.text and "community head" in response.text


def test_a_search_by_id_number_finds_the_resident_and_records_the_kind_and_reason(
    client, cast, known
):
    client.force_login(cast.worker_a)
    response = client.post(URL, by_id(REAL.lower(), reason="phone_call"))
    assert response.status_code == 200
    assert known.name in response.text
    record = AccessLog.objects.get()
    assert (record.action, record.search_key, record.reason, record.resident_count) == (
        "searched",
        "id_number",
        "phone_call",
        1,
    )


def test_the_htmx_search_answers_the_results_fragment(client, cast, known):
    client.force_login(cast.worker_a)
    response = client.post(URL, by_id(REAL), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert known.name in response.text


def test_the_id_search_finds_only_residents_the_user_may_see(client, cast, known):
    client.force_login(cast.worker_b)
    response = client.post(URL, by_id(REAL))
    assert known.name not in response.text
    assert AccessLog.objects.get().resident_count == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (by_id(REAL, reason=""), "Choose why you are searching by ID number."),
        (by_id(REAL, reason="curious"), "Select a valid choice."),
        (by_id("420106195102111015"), "This is not a valid ID number"),
        (by_id("4201061951"), "This is not a valid ID number"),
        (by_id(""), "Type the ID number to search for."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(client, cast, known, data, message):
    client.force_login(cast.worker_a)
    response = client.post(f"/en{URL}", data)
    assert response.status_code == 422
    assert message in response.text
    assert not AccessLog.objects.exists()
    assert not IdSearchLock.objects.exists()


def test_it_rejects_get(client, cast):
    client.force_login(cast.worker_a)
    assert client.get(URL).status_code == 405


def test_it_requires_login(client, known):
    response = client.post(URL, by_id(REAL))
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


def test_the_general_search_does_not_match_an_id_number_and_records_the_kind_of_key(
    client, cast, known
):
    client.force_login(cast.worker_a)
    response = client.post(reverse("residents:search"), {"q": REAL})
    assert known.name not in response.text
    desk = client.post(reverse("desks:resident_search"), {"resident_q": REAL})
    assert known.name not in desk.text
    client.post(reverse("residents:search"), {"q": "桂英"})
    kinds = list(AccessLog.objects.order_by("pk").values_list("search_key", "resident_count"))
    assert kinds == [("phone", 0), ("phone", 0), ("name", 1)]


def test_misses_older_than_an_hour_no_longer_count(cast, clock):
    clock.stop_at(at(2026, 11, 24, 19, 0))
    for serial in range(id_search.ID_SEARCH_MAX_MISSES - 1):
        id_search.search_by_id_number(
            cast.worker_a,
            valid_id_number(serial=serial),
            reason="serving",
            ip_address=None,
            now=timezone.now(),
        )
    clock.stop_at(at(2026, 11, 24, 20, 1))
    result = id_search.search_by_id_number(
        cast.worker_a,
        valid_id_number(serial=50),
        reason="serving",
        ip_address=None,
        now=timezone.now(),
    )
    assert not result.locked
    assert result.misses_left == id_search.ID_SEARCH_MAX_MISSES - 1


def test_a_head_sees_and_lifts_a_lock_and_the_user_may_search_again(client, cast, known):
    lock = lock_out(cast.worker_a)
    client.force_login(cast.head_a)
    page = client.get(LOCKS_URL)
    assert page.status_code == 200 and cast.worker_a.display_name in page.text
    assert client.post(lift_url(lock)).status_code == 302
    lock.refresh_from_db()
    assert lock.lifted_by == cast.head_a and lock.lifted_at is not None
    record = AccessLog.objects.get(action="id_unlocked")
    assert record.user == cast.head_a and record.community == cast.a
    client.force_login(cast.worker_a)
    response = client.post(URL, by_id(REAL))
    assert response.status_code == 200 and known.name in response.text


def test_misses_before_a_lift_no_longer_count(cast):
    lock_out(cast.worker_a)
    id_search.lift(IdSearchLock.objects.get(), by=cast.head_a, ip_address=None, now=timezone.now())
    result = id_search.search_by_id_number(
        cast.worker_a,
        valid_id_number(serial=1),
        reason="serving",
        ip_address=None,
        now=timezone.now(),
    )
    assert not result.locked and result.misses_left == id_search.ID_SEARCH_MAX_MISSES - 1


def test_street_office_staff_may_lift_a_lock_of_their_communities(client, cast):
    lock = lock_out(cast.worker_a)
    client.force_login(cast.staff_1)
    assert client.post(lift_url(lock)).status_code == 302
    assert not IdSearchLock.objects.active().exists()


@pytest.mark.parametrize("who", ["worker_a", "worker_b", "staff_2", "head_b"])
def test_others_cannot_lift_a_lock(client, cast, who):
    cast.head_b = make_user(Role.HEAD, community=cast.b)
    lock = lock_out(cast.worker_a)
    client.force_login(getattr(cast, who))
    assert client.post(lift_url(lock)).status_code == 404
    assert lift_url(lock) not in client.get(LOCKS_URL).text
    assert IdSearchLock.objects.active().exists()
    assert not AccessLog.objects.filter(action="id_unlocked").exists()


def test_a_head_cannot_lift_their_own_lock(client, cast):
    lock = lock_out(cast.head_a)
    client.force_login(cast.head_a)
    assert client.post(lift_url(lock)).status_code == 404
    assert IdSearchLock.objects.active().exists()


def test_lifting_rejects_get_and_requires_login(client, cast):
    lock = lock_out(cast.worker_a)
    assert client.post(lift_url(lock)).status_code == 302
    client.force_login(cast.head_a)
    assert client.get(lift_url(lock)).status_code == 405
    assert IdSearchLock.objects.active().exists()


def test_the_locks_page_lists_with_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries
):
    for _ in range(3):
        lock_out(make_user(Role.WORKER, community=cast.a))
    client.force_login(cast.head_a)
    client.get(LOCKS_URL)
    with django_assert_num_queries(3):  # session, user, the locks with their users
        page = client.get(LOCKS_URL)
    assert page.text.count("/lift/") == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_never_pass_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    community = make_community()
    make_resident(community, name="张三", phone="13900001111")
    worker = make_user(Role.WORKER, community=community)
    barrier = threading.Barrier(4)
    outcomes = []

    def guess(first):
        try:
            barrier.wait(timeout=10)
            for serial in range(first, first + 5):
                result = id_search.search_by_id_number(
                    worker,
                    valid_id_number(serial=serial),
                    reason="serving",
                    ip_address=None,
                    now=timezone.now(),
                )
                outcomes.append(result.locked)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n * 10,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 20
    misses = AccessLog.objects.filter(user=worker, action="searched", resident_count=0)
    assert misses.count() == id_search.ID_SEARCH_MAX_MISSES
    assert AccessLog.objects.filter(user=worker, action="id_refused").count() == 10
    assert IdSearchLock.objects.filter(user=worker).count() == 1


def test_the_residents_page_points_a_head_to_a_locked_colleague(client, cast):
    lock_out(cast.worker_a)
    client.force_login(cast.head_a)
    assert LOCKS_URL in client.get(reverse("residents:search")).text
    client.force_login(cast.worker_b)
    assert LOCKS_URL not in client.get(reverse("residents:search")).text
