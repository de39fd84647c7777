"""Parsing single cells of an import file: dates, years and required text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from fieldkit.i18n import N_

__all__ = ["DATE_FORMS", "CellError", "normalize", "normalize_code", "parse_date", "parse_year"]

DATE_FORMS = "2026-11-21, 2026/11/21, 2026.11.21, 20261121 (or 2026年11月21日)"
"""The date spellings an import accepts, for error messages."""

_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")


class CellError(ValueError):
    """A cell whose text cannot be read; the message (a msgid) says what is accepted."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid.format(**params))


def normalize(raw: str) -> str:
    """Full-width digits and signs typed with a Chinese input method made plain (NFKC)."""
    return unicodedata.normalize("NFKC", raw).strip()


def normalize_code(raw: str) -> str:
    """A person code as typed plainly: ``ＧＬ－００４２`` (full width) is ``GL-0042``."""
    return normalize(raw)


def parse_date(raw: str) -> date:
    """A date written 2026-11-21, 2026/11/21, 2026.11.21, 20261121 or 2026年11月21日."""
    if _ISO.match(raw):  # the usual spelling, read without normalising first
        try:
            return date(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
        except ValueError:
            pass  # not a real date: said below
    text = _DATETIME_TAIL.sub("", normalize(raw))
    match = _SEPARATED.match(text) or _COMPACT.match(text)
    if match is None:
        raise CellError(
            N_("'{raw}' is not a date; write it as one of {forms}"), raw=raw, forms=DATE_FORMS
        )
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            N_("'{raw}' is not a real date (month {month}, day {day})"),
            raw=raw,
            month=month,
            day=day,
        ) from None


def parse_year(raw: str) -> int:
    """A four-digit year such as 1975 (``1975年`` and ``1975.0`` accepted)."""
    text = normalize(raw).removesuffix("年").removesuffix(".0")
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(N_("'{raw}' is not a year; write four digits such as 1975"), raw=raw)
    return int(text)
