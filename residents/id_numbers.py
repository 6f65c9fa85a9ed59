"""Resident ID numbers (居民身份证号码, GB 11643-1999), handled without keeping them.

The desk needs two things from an ID number: to find the resident again, and to
let the resident confirm it is theirs. A keyed hash does the first, the last four
characters the second; the number itself is never stored, logged or shown.
"""

import datetime
import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalise(text):
    """Upper-case X, no spaces: how people type it is not how it is hashed."""
    return "".join(text.split()).upper()


def check_character(first_17):
    """The 18th character of an ID number whose first 17 digits are given (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def is_valid(text):
    number = normalise(text)
    if not _SHAPE.match(number):
        return False
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check_character(number[:17])


def validate_id_number(text):
    if not is_valid(text):
        raise ValidationError(
            _(
                "This is not a valid ID number: it has 18 characters, digits only except a "
                "final X, and its last character must match the others. Please check it."
            ),
            code="invalid_id_number",
        )


def digest(text):
    """HMAC-SHA256 of the normalised number, keyed apart from SECRET_KEY (hex, 64 characters)."""
    key = settings.RESIDENT_ID_HMAC_KEY.encode()
    return hmac.new(key, normalise(text).encode(), hashlib.sha256).hexdigest()


def last_four(text):
    return normalise(text)[-4:]


def masked(last_4):
    """`**************1234`: the length of an ID number, only the last four shown."""
    return f"{'*' * 14}{last_4}" if last_4 else ""


# An ID number in free text: 18 characters, as typed or grouped 6-8-4 by a space or a
# hyphen, not part of a longer run of digits (Chinese text runs straight into it, so
# only digits bound it). Every such run is masked, its check character right or not: a
# mistyped ID number is still someone's ID number.
_IN_TEXT = re.compile(r"(?<!\d)\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?!\d)")
# The old 15-digit number (before 1999): 6-digit region, YYMMDD, 3 digits. Only a run whose
# middle is a real date is taken for one, so an 11-digit phone number or an order number
# that happens to be 15 digits long with no date inside is left alone.
_OLD_IN_TEXT = re.compile(r"(?<!\d)(\d{6})[ -]?(\d{6})[ -]?(\d{3})(?![\dXx])")


def _is_old_number(match):
    birth = match.group(2)
    try:
        datetime.date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:]))
    except ValueError:
        return False
    return True


def mask_in_text(text):
    """`text` with every ID number in it masked as the app shows them (`masked`): free text
    (notes, handovers, comments) keeps the worker's words, never the number."""
    if not text:
        return text
    text = _IN_TEXT.sub(lambda match: masked(last_four(match.group())), text)
    return _OLD_IN_TEXT.sub(
        lambda match: _mask_old(match) if _is_old_number(match) else match.group(), text
    )


def _mask_old(match):
    """Masked to its own length (15), so a masked note is never longer than the one typed."""
    return f"{'*' * 11}{''.join(match.groups())[-4:]}"
