"""ID numbers typed into free text are masked: the rule (mask_in_text) and the fields."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desks.models import ServiceRequest
from residents.free_text import FreeCharField, FreeTextField, MaskedCharField
from residents.id_numbers import check_character, is_valid, mask_in_text
from tests.clock import at
from tests.factories import make_community, make_request, make_service_item, make_user

VALID = "420106199001011014"


def test_it_masks_an_id_number_as_the_app_shows_them():
    assert mask_in_text(f"王阿姨 {VALID} 来补材料") == "王阿姨 **************1014 来补材料"


def test_it_masks_a_number_run_into_chinese_text_and_a_lower_case_x():
    assert is_valid("11010519491231002x")
    assert mask_in_text("身份证11010519491231002x明天带来") == "身份证**************002X明天带来"


def test_it_masks_a_number_grouped_by_spaces_or_hyphens():
    assert mask_in_text("420106 19900101 1014") == "**************1014"
    assert mask_in_text("420106-19900101-1014") == "**************1014"


def test_it_masks_a_mistyped_number_too():
    mistyped = VALID[:-1] + "5"
    assert not is_valid(mistyped)
    assert mask_in_text(mistyped) == "**************1015"


def test_it_masks_an_old_15_digit_number_whose_middle_is_a_date_to_its_own_length():
    assert mask_in_text("老证 420106900101101") == "老证 ***********1101"


@pytest.mark.parametrize(
    "text",
    [
        "电话 13912345678，明天 2026-11-24 19:30 再来",
        "座机 027-87654321",
        "订单 123456789012345",  # 15 digits, its middle no date (78/90/12)
        "一串 1234567890123456789",  # 19 digits: no ID number
        "医保卡 12345678901234567",  # 17 digits
        "",
    ],
)
def test_it_leaves_text_without_an_id_number_as_it_is(text):
    assert mask_in_text(text) == text


def _id_number(region, birth, sequence):
    first_17 = f"{region:06d}{birth:%Y%m%d}{sequence:03d}"
    return first_17 + check_character(first_17)


no_digit_at_the_edge = st.text(max_size=20).filter(
    lambda text: not text or not (text[0].isdigit() or text[-1].isdigit())
)


@given(
    region=st.integers(110000, 659999),
    birth=st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)),
    sequence=st.integers(0, 999),
    before=no_digit_at_the_edge,
    after=no_digit_at_the_edge,
    separator=st.sampled_from(["", " ", "-"]),
)
def test_a_valid_id_number_never_survives(region, birth, sequence, before, after, separator):
    number = _id_number(region, birth, sequence)
    assert is_valid(number)
    typed = separator.join([number[:6], number[6:14], number[14:]])
    masked = mask_in_text(f"{before}{typed}{after}")
    assert number not in masked and typed not in masked
    assert number[:14] not in masked.replace(" ", "").replace("-", "")
    assert masked == f"{before}**************{number[-4:]}{after}"


def test_the_form_field_masks_and_says_so():
    field = MaskedCharField(required=False)
    assert field.clean(f"号码{VALID}") == "号码**************1014"
    assert field.masked_an_id_number
    assert field.clean("没有号码") == "没有号码" and not field.masked_an_id_number


def test_the_model_fields_offer_the_masking_form_field():
    assert isinstance(FreeTextField().formfield(), MaskedCharField)
    assert isinstance(FreeCharField(max_length=10).formfield(), MaskedCharField)


@pytest.mark.django_db
def test_a_save_outside_any_form_masks_too():
    community = make_community()
    worker = make_user(community=community)
    request = make_request(
        community, make_service_item(), worker, at(2026, 11, 24, 19), notes=f"证件 {VALID}"
    )
    assert ServiceRequest.objects.get(pk=request.pk).notes == "证件 **************1014"
    assert request.notes == "证件 **************1014"
