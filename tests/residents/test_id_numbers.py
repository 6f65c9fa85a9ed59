import pytest

from residents import id_numbers
from tests.residents.conftest import valid_id_number


def test_it_accepts_a_number_with_the_right_check_character():
    assert id_numbers.is_valid("11010519491231002X")
    assert id_numbers.is_valid(valid_id_number())


def test_it_accepts_a_lower_case_x_and_spaces():
    assert id_numbers.is_valid("110105 19491231 002x")


@pytest.mark.parametrize(
    "text",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "11010519491331002X",  # month 13
        "X10105194912310021",
        "",
    ],
)
def test_it_rejects_a_malformed_number(text):
    assert not id_numbers.is_valid(text)


def test_the_digest_is_keyed_and_ignores_case(settings):
    number = "11010519491231002X"
    digest = id_numbers.digest(number)
    assert len(digest) == 64 and number not in digest
    assert id_numbers.digest(number.lower()) == digest
    settings.RESIDENT_ID_HMAC_KEY = "another-key-another-key-another-key"
    assert id_numbers.digest(number) != digest


def test_the_masked_form_shows_the_last_four_only():
    assert id_numbers.masked(id_numbers.last_four("11010519491231002X")) == "**************002X"
    assert id_numbers.masked("") == ""
