"""The cast for residents' tests: two street offices, three communities, their staff."""

import importlib
from types import SimpleNamespace

import pytest

from desks.models import Role, User
from residents import id_numbers
from residents.models import Tag
from tests.factories import make_community, make_resident, make_street_office, make_user


def valid_id_number(serial=1, birth="19580312", region="420111"):
    """A well-formed ID number (correct check character) that is nobody's."""
    first_17 = f"{region}{birth}{serial:03d}"
    return first_17 + id_numbers.check_character(first_17)


def ensure_controlled_tags():
    """The tags the migration adds; a transactional test before this one may have flushed them."""
    migration = importlib.import_module("residents.migrations.0003_controlled_tags")
    for position, (name, sensitive) in enumerate(migration.TAGS):
        Tag.objects.get_or_create(
            name=name, defaults={"sensitive": sensitive, "position": position}
        )


@pytest.fixture
def cast(db):
    ensure_controlled_tags()
    office_1, office_2 = make_street_office(), make_street_office()
    a = make_community(office_1, name="和平社区")
    b = make_community(office_1, name="幸福里社区")
    c = make_community(office_2, name="光明社区")
    return SimpleNamespace(
        office_1=office_1,
        office_2=office_2,
        a=a,
        b=b,
        c=c,
        worker_a=make_user(Role.WORKER, community=a),
        head_a=make_user(Role.HEAD, community=a),
        worker_b=make_user(Role.WORKER, community=b),
        staff_1=make_user(Role.OFFICE, street_office=office_1),
        staff_2=make_user(Role.OFFICE, street_office=office_2),
        resident_a=make_resident(a, name="张桂英", phone="13900001111"),
        resident_b=make_resident(b, name="李建国", phone="13900002222"),
        resident_c=make_resident(c, name="王秀兰", phone="13900003333"),
    )


def make_superuser():
    return User.objects.create_superuser("root", password="not-a-demo-password-123")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cast signs in a lot; the real (slow) hasher is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
