import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from desks.demo.seed import load_demo
from desks.models import (
    CallBack,
    Community,
    Level,
    Rating,
    Role,
    ServiceItem,
    StreetOffice,
    User,
    VotingRound,
)
from desks.voice import feedback

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every project table, to compare two runs field by field."""
    return {
        model._meta.label: sorted(model.objects.values_list(), key=repr)
        for model in apps.get_models()
        if model._meta.app_label in ("desks", "residents", "auth")
    }


def test_it_builds_a_street_office_with_five_communities(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    office = StreetOffice.objects.get()
    assert office.communities.count() == 5
    for community in Community.objects.all():
        workers = community.staff.filter(role=Role.WORKER).count()
        assert 4 <= workers <= 8
        assert community.staff.filter(role=Role.HEAD).count() == 1
    assert User.objects.filter(role=Role.OFFICE, street_office=office).count() == 1
    assert ServiceItem.objects.count() >= 25
    assert ServiceItem.objects.filter(name="居民医保参保登记").get().material_list
    output = capsys.readouterr().out
    assert settings.DEMO_PASSWORD in output
    assert "heping-1" in output and "office" in output


def test_demo_logins_work(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    assert client.login(username="heping-1", password=settings.DEMO_PASSWORD)


def test_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    before = snapshot()
    call_command("seed_demo")
    assert snapshot() == before


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not StreetOffice.objects.exists()


def test_force_runs_it_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", force=True)
    assert Community.objects.count() == 5


def test_the_catalogue_has_what_real_centres_handle():
    """Every item but a blood-pressure check or a mediation needs papers: they are listed."""
    names = {item["name"] for category in load_demo()["category"] for item in category["item"]}
    assert len(names) >= 25
    for expected in ("居民医保参保登记", "少儿医保参保", "生育保险联系单", "计生证明", "矛盾调解"):
        assert expected in names


def test_it_adds_the_residents_voice(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    heping = Community.objects.get(slug="heping")
    assert feedback.open_round(heping, timezone.now()).votes.count() >= 25
    assert len(feedback.tonight_menu(heping)) == 8
    assert VotingRound.objects.filter(closes_at__isnull=False).count() == 5
    assert Rating.objects.filter(request__community=heping).count() > 10
    open_call_backs = CallBack.objects.open().filter(
        rating__request__community=heping, rating__level=Level.DISSATISFIED
    )
    assert {call_back.owner.username for call_back in open_call_backs} == {"heping-head"}
