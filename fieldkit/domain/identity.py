"""Checks of the identifiers people give: ID-card numbers (身份证号) and phone numbers.

- An ID-card number is the 18-character resident number of GB 11643-1999: 17
  digits and a check character (a digit or ``X``) computed with the ISO 7064
  MOD 11-2 weights; characters 7 to 14 are the birth date, which must be a real
  date and, when the person's birth date is known, the same date.
- A phone is a mobile number (11 digits starting with 1, second digit 3-9) or a
  landline with its area code (0 and 2-3 digits, then 7-8 digits, a hyphen or
  space allowed after the area code, an extension after ``-`` or ``转``).

Both normalise what they accept (full-width digits folded, spaces and hyphens of
mobiles removed, a lower-case ``x`` raised) and raise :class:`IdentityError`,
which carries an English msgid with ``{named}`` fields and its parameters so the
interface shows the message in the user's language (the msgids are marked with
:func:`N_` for the catalogs; this layer translates nothing).
"""

from __future__ import annotations

import re
from datetime import date
from operator import mul
from typing import Any

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_

__all__ = ["IdentityError", "check_id_number", "check_phone", "id_number_birth_date"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ－　", "0123456789xX- ")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0[0-9]{2,3})[- ]?([2-9][0-9]{6,7})(?:(?:-|转)([0-9]{1,6}))?")


class IdentityError(FieldkitError, ValueError):
    """An ID-card number or phone number that cannot be right (a msgid and its fields)."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid, **params)

    @property
    def msgid(self) -> str:
        """The English msgid of the message (translated where it is shown)."""
        return self.message


def _fold(raw: str) -> str:
    """Full-width digits and letters folded to ASCII, outer spaces removed."""
    return raw.translate(_FULL_WIDTH).strip()


def id_number_birth_date(number: str) -> date | None:
    """The birth date written in characters 7-14 of an 18-character number, if it is a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_id_number(raw: str, birth_date: date | None = None) -> str:
    """Return the normalised ID-card number, or raise :class:`IdentityError` saying why.

    An empty value is allowed (the number is not always known) and returned empty.
    """
    number = _fold(raw).replace(" ", "").upper()
    if not number:
        return ""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        raise IdentityError(
            N_("ID number '{raw}' must be 18 characters: 17 digits and a last digit or X"),
            raw=raw,
        )
    expected = _CHECK_CHARS[sum(map(mul, map(int, number[:17]), _WEIGHTS)) % 11]
    if number[17] != expected:
        raise IdentityError(
            N_("ID number '{raw}' has a wrong check character (a digit is mistyped)"), raw=raw
        )
    born = id_number_birth_date(number)
    if born is None or born > date.today():
        raise IdentityError(N_("ID number '{raw}' does not hold a real birth date"), raw=raw)
    if birth_date is not None and born != birth_date:
        raise IdentityError(
            N_(
                "ID number '{raw}' gives the birth date {id_date}, "
                "but the person's birth date is {birth}"
            ),
            raw=raw,
            id_date=born.isoformat(),
            birth=birth_date.isoformat(),
        )
    return number


def check_phone(raw: str) -> str:
    """Return the normalised phone number, or raise :class:`IdentityError` saying why.

    Mobiles come back as 11 digits; landlines as ``0AREA-NUMBER`` (and ``-EXT``).
    An empty value is allowed and returned empty.
    """
    text = _fold(raw)
    if not text:
        return ""
    compact = text.replace(" ", "").replace("-", "")
    if compact.startswith("1"):
        if _MOBILE.fullmatch(compact):
            return compact
        raise IdentityError(
            N_("Phone '{raw}' is not a mobile number: 11 digits starting with 13-19"), raw=raw
        )
    landline = _LANDLINE.fullmatch(text)
    if landline is not None:
        area, local, ext = landline.groups()
        return f"{area}-{local}" + (f"-{ext}" if ext else "")
    raise IdentityError(
        N_(
            "Phone '{raw}' is neither a mobile (11 digits starting with 1) "
            "nor a landline with its area code (e.g. 0834-1234567)"
        ),
        raw=raw,
    )
