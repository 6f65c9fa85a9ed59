import random

import pytest
from django.core.management import call_command

from desks.demo.seed import demo_id_number
from residents import id_numbers
from residents.models import Resident
from tests.residents.conftest import ensure_controlled_tags

pytestmark = pytest.mark.django_db


def test_demo_residents_have_birth_years_consent_tags_and_some_id_numbers(settings):
    ensure_controlled_tags()
    settings.DEBUG = True
    call_command("seed_demo")
    residents = Resident.objects.select_related("community")
    assert all(resident.birth_year and resident.consent_at for resident in residents)
    assert all(resident.consent_recorded_by.role == "head" for resident in residents)
    with_id = [resident for resident in residents if resident.id_number_hash]
    assert 10 <= len(with_id) <= 100
    assert all(len(resident.id_number_last4) == 4 for resident in with_id)
    assert Resident.objects.filter(tags__sensitive=True).exists()
    assert Resident.objects.filter(tags__sensitive=False).exists()


def test_demo_id_numbers_pass_the_check_digit():

    rng = random.Random(1)
    assert all(id_numbers.is_valid(demo_id_number(1950, rng)) for _ in range(50))
