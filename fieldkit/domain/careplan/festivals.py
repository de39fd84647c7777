"""The four major festivals of the must-visit rule and their dates in a given year.

Spring Festival (春节, lunar 1/1) and the Double Ninth festival (重阳节, lunar 9/9,
Seniors' Day) follow the Chinese lunar calendar; their dates come from the
``lunardate`` library, not from a hand-typed table. The party anniversary (七一,
July 1) and National Day (国庆节, October 1) are fixed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from lunardate import LunarDate

__all__ = ["Festival", "festival_date", "festival_label"]


class Festival(StrEnum):
    """A major festival before which the must-visit rule asks for a visit."""

    SPRING_FESTIVAL = "spring_festival"
    JULY_FIRST = "july_first"
    NATIONAL_DAY = "national_day"
    DOUBLE_NINTH = "double_ninth"


_LABELS: dict[Festival, tuple[str, str]] = {
    Festival.SPRING_FESTIVAL: ("春节", "Spring Festival"),
    Festival.JULY_FIRST: ("七一", "July 1 (Party anniversary)"),
    Festival.NATIONAL_DAY: ("国庆节", "National Day"),
    Festival.DOUBLE_NINTH: ("重阳节", "Double Ninth festival"),
}


def festival_label(festival: Festival, lang: str = "zh") -> str:
    """The festival's name in Chinese (default) or English (``lang="en"``)."""
    zh, en = _LABELS[festival]
    return zh if lang == "zh" else en


def festival_date(festival: Festival, year: int) -> date | None:
    """The Gregorian date of ``festival`` in ``year``.

    Returns ``None`` when the lunar calendar library does not cover that year
    (it covers 1900-2099).
    """
    if festival is Festival.JULY_FIRST:
        return date(year, 7, 1)
    if festival is Festival.NATIONAL_DAY:
        return date(year, 10, 1)
    month = 1 if festival is Festival.SPRING_FESTIVAL else 9
    try:
        solar: date = LunarDate(year, month, 9 if month == 9 else 1).to_solar_date()
    except (ValueError, IndexError):
        return None
    return solar
