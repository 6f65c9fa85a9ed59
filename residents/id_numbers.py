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
