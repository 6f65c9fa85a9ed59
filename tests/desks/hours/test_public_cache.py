"""The public pages' one cache: it serves a page again, and forgets it when its data changes."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings

from desks.core import public_cache
from desks.models import (
    CalendarDay,
    Community,
    DateOverride,
    MenuItem,
    Role,
    ServiceCategory,
    ServiceItem,
    StreetOffice,
    VotingRound,
    WeeklyWindow,
)
from desks.voice import feedback
from tests.clock import at
from tests.factories import PASSWORD, make_community, make_service_item, make_user

pytestmark = pytest.mark.django_db

TUESDAY_AFTERNOON = at(2026, 11, 24, 15)
THURSDAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def page_cache(settings):
    """A real cache, as in production with the default CACHE_URL (one per process)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-public-cache",
        },
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def tuesday_afternoon(clock):
    clock.stop_at(TUESDAY_AFTERNOON)


@pytest.fixture
def centre():
    community = make_community(name="和平社区", address="和平路1号")
    make_service_item(name="居民医保参保登记", category=ServiceCategory.objects.create(name="医保"))
    return community


def unsignalled_rename(community, name):
    """A change the page cache is not told about, to show what it keeps."""
    Community.objects.filter(pk=community.pk).update(name=name)


def test_a_public_page_is_served_from_the_cache(client, centre, django_assert_num_queries):
    client.get(centre.get_absolute_url())
    unsignalled_rename(centre, "改名社区")
    with django_assert_num_queries(0):
        body = client.get(centre.get_absolute_url()).text
    assert "和平社区" in body and "改名社区" not in body


@pytest.mark.parametrize(
    "path", ["/", "/?date=2026-11-26", "/api/hours/", "/api/hours/?community={slug}"]
)
def test_every_public_url_is_kept_with_its_query(client, centre, path):
    path = path.format(slug=centre.slug)
    client.get(path)
    unsignalled_rename(centre, "改名社区")
    assert "和平社区" in client.get(path).content.decode()
    another_query = path + ("&" if "?" in path else "?") + "page=1"
    assert "改名社区" in client.get(another_query).content.decode()


def test_the_calendar_feed_is_kept_too(client, centre):
    path = f"/c/{centre.slug}/hours.ics"
    client.get(path)
    DateOverride.objects.bulk_create([DateOverride(community=centre, date=THURSDAY, reason="台风")])
    assert "台风" not in client.get(path).content.decode()


def test_chinese_and_english_pages_are_kept_apart(client, centre):
    path = f"/c/{centre.slug}/"
    assert "地址" in client.get(path).text
    assert "Address" in client.get(f"/en{path}").text
    assert "地址" in client.get(path).text


def test_pages_say_public_with_a_short_max_age_for_nginx_and_browsers(client, centre):
    for path in ("/", centre.get_absolute_url(), "/api/hours/"):
        control = client.get(path).headers["Cache-Control"]
        assert "public" in control and f"max-age={public_cache.SHARED_MAX_AGE}" in control


def test_a_kept_page_carries_the_headers_of_the_whole_stack(client, centre):
    fresh = client.get(centre.get_absolute_url())
    unsignalled_rename(centre, "改名社区")
    kept = client.get(centre.get_absolute_url())
    assert "和平社区" in kept.text
    for header in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control"):
        assert kept.headers[header] == fresh.headers[header]


def test_a_signed_in_user_never_gets_or_makes_the_shared_copy(client, centre):
    client.get(centre.get_absolute_url())
    unsignalled_rename(centre, "改名社区")
    client.force_login(make_user(role=Role.OFFICE, street_office=centre.street_office))
    assert "改名社区" in client.get(centre.get_absolute_url()).text
    client.logout()
    assert "和平社区" in client.get(centre.get_absolute_url()).text


def test_an_htmx_request_is_answered_fresh(client, centre):
    client.get("/")
    unsignalled_rename(centre, "改名社区")
    assert "改名社区" in client.get("/", headers={"HX-Request": "true"}).text


def test_errors_are_not_kept(client):
    assert client.get("/c/xinjian/").status_code == 404
    assert client.get("/?date=2026-13-01").status_code == 400
    office = StreetOffice.objects.create(name="新街道", slug="xin")
    Community.objects.bulk_create(
        [Community(name="新建社区", slug="xinjian", street_office=office)]
    )
    assert client.get("/c/xinjian/").status_code == 200


def test_a_lost_generation_never_brings_old_pages_back(client, centre):
    client.get("/")
    unsignalled_rename(centre, "改名社区")
    cache.delete(public_cache.GENERATION_KEY)  # e.g. Redis restarted without its data
    assert "改名社区" in client.get("/").text


def test_a_change_purges_only_once_it_is_committed(centre, django_capture_on_commit_callbacks):
    before = public_cache.generation()
    with django_capture_on_commit_callbacks() as callbacks:
        centre.name = "改名社区"
        centre.save(update_fields=["name"])
        assert public_cache.generation() == before
    for callback in callbacks:
        callback()
    assert public_cache.generation() > before


UNREACHABLE = {  # nothing listens on port 1: every cache call fails at once
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_with_the_cache_unreachable_pages_are_served_and_changes_are_saved(
    client, centre, django_capture_on_commit_callbacks
):
    with override_settings(CACHES=UNREACHABLE):
        assert client.get("/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            centre.name = "新名字"
            centre.save(update_fields=["name"])  # its purge fails, and is only logged
        assert "新名字" in client.get("/").text
    assert Community.objects.get(pk=centre.pk).name == "新名字"


def closed_round(community):
    """A round that closed in October, stored without telling the page cache."""
    return VotingRound.objects.bulk_create(
        [
            VotingRound(
                community=community,
                title="秋季点单",
                opens_at=at(2026, 10, 1),
                closes_at=at(2026, 10, 8),
            )
        ]
    )[0]


def _rename_office(centre):
    centre.street_office.name = "新名街道"
    centre.street_office.save(update_fields=["name"])
    return "/", "新名街道"


def _rename_community(centre):
    centre.name = "改名社区"
    centre.save(update_fields=["name"])
    return "/", "改名社区"


def _move_community(centre):
    centre.address = "幸福路9号"
    centre.save(update_fields=["address"])
    return centre.get_absolute_url(), "幸福路9号"


def _weekly_window(centre):
    WeeklyWindow.objects.create(
        community=centre, weekday=THURSDAY.isoweekday(), start=dt.time(19), end=dt.time(21)
    )
    return centre.get_absolute_url(), "19:00–21:00"


def _date_override(centre):
    DateOverride.objects.create(community=centre, date=THURSDAY, reason="台风停止开放")
    return centre.get_absolute_url(), "台风停止开放"


def _office_date_override(centre):
    DateOverride.objects.create(
        street_office=centre.street_office, date=THURSDAY, reason="街道统一闭馆"
    )
    return "/api/hours/?date=2026-11-26", "街道统一闭馆"


def _calendar_correction(centre):
    CalendarDay.objects.create(date=THURSDAY, kind=CalendarDay.Kind.HOLIDAY, name="临时假日")
    return centre.get_absolute_url(), "临时假日"


def _rename_category(centre):
    category = ServiceCategory.objects.get(name="医保")
    category.name = "医疗保障"
    category.save(update_fields=["name"])
    return centre.get_absolute_url(), "医疗保障"


def _change_what_to_bring(centre):
    item = ServiceItem.objects.get(name="居民医保参保登记")
    item.materials = "社保卡"
    item.save(update_fields=["materials"])
    return centre.get_absolute_url(), "社保卡"


def _open_voting_round(centre):
    VotingRound.objects.create(community=centre, title="秋季点单", opens_at=TUESDAY_AFTERNOON)
    return centre.get_absolute_url(), f"/c/{centre.slug}/vote/"


def _menu_item(centre):
    voting_round = closed_round(centre)
    MenuItem.objects.create(round=voting_round, service_item=make_service_item(name="测血压"))
    return centre.get_absolute_url(), "测血压"


def _menu_from_the_votes(centre):
    voting_round = closed_round(centre)
    feedback.cast_vote(
        voting_round,
        "device",
        TUESDAY_AFTERNOON,
        ServiceItem.objects.get(),
        address="203.0.113.1",
    )
    feedback.use_top(voting_round)
    return centre.get_absolute_url(), "居民医保参保登记</li>"


CHANGES = [
    _rename_office,
    _rename_community,
    _move_community,
    _weekly_window,
    _date_override,
    _office_date_override,
    _calendar_correction,
    _rename_category,
    _change_what_to_bring,
    _open_voting_round,
    _menu_item,
    _menu_from_the_votes,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_the_next_request_after_a_saved_change_shows_it(
    client, centre, change, django_capture_on_commit_callbacks
):
    for path in ("/", centre.get_absolute_url(), "/api/hours/?date=2026-11-26"):
        client.get(path)
    with django_capture_on_commit_callbacks(execute=True):
        path, shown = change(centre)
    assert shown in client.get(path).content.decode()


def test_the_next_request_after_a_deletion_shows_it(
    client, centre, django_capture_on_commit_callbacks
):
    closure = DateOverride.objects.create(community=centre, date=THURSDAY, reason="社区活动")
    assert "社区活动" in client.get(centre.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        closure.delete()
    assert "社区活动" not in client.get(centre.get_absolute_url()).text


def as_posted(page) -> dict:
    """The admin page's form and inlines, filled in as the browser would post them."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = "on" if value is True else value
    return data


@pytest.fixture
def office_staff(client, centre):
    staff = make_user(role=Role.OFFICE, street_office=centre.street_office)
    client.login(username=staff.username, password=PASSWORD)
    return staff


def test_a_community_renamed_in_the_admin_shows_on_the_next_public_request(
    client, centre, office_staff, django_capture_on_commit_callbacks
):
    anonymous = type(client)()
    assert "和平社区" in anonymous.get("/").text
    change = f"/admin/desks/community/{centre.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(change, {**as_posted(client.get(change)), "name": "改名社区"})
    assert answer.status_code == 302
    assert "改名社区" in anonymous.get("/").text


def test_a_closure_added_in_the_admin_shows_on_the_next_public_request(
    client, centre, office_staff, django_capture_on_commit_callbacks
):
    anonymous = type(client)()
    assert "台风停止开放" not in anonymous.get(f"/c/{centre.slug}/").text
    add = "/admin/desks/dateoverride/add/"
    closure = {"community": centre.pk, "date": "2026-11-26", "reason": "台风停止开放"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(add, {**as_posted(client.get(add)), **closure})
    assert answer.status_code == 302
    assert "台风停止开放" in anonymous.get(f"/c/{centre.slug}/").text


def test_weekly_hours_changed_in_the_admin_show_on_the_next_public_request(
    client, centre, office_staff, django_capture_on_commit_callbacks
):
    anonymous = type(client)()
    assert "19:00–21:00" not in anonymous.get(f"/c/{centre.slug}/").text
    change = f"/admin/desks/community/{centre.pk}/change/"
    data = as_posted(client.get(change))
    prefix = next(name for name in data if name.endswith("-TOTAL_FORMS")).removesuffix(
        "-TOTAL_FORMS"
    )
    thursday_evening = {"weekday": THURSDAY.isoweekday(), "start": "19:00", "end": "21:00"}
    data.update({f"{prefix}-0-{name}": value for name, value in thursday_evening.items()})
    data[f"{prefix}-TOTAL_FORMS"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(change, data)
    assert answer.status_code == 302
    assert "19:00–21:00" in anonymous.get(f"/c/{centre.slug}/").text
