"""Festival dates: the lunar ones from the calendar library, checked against known dates."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.careplan import Festival, default_policy, festival_date, festival_occurrences

KNOWN = [
    # year, Spring Festival (春节), Double Ninth (重阳节)
    (2025, "2025-01-29", "2025-10-29"),
    (2026, "2026-02-17", "2026-10-18"),
    (2027, "2027-02-06", "2027-10-08"),
    (2028, "2028-01-26", "2028-10-26"),
    (2029, "2029-02-13", "2029-10-16"),
    (2030, "2030-02-03", "2030-10-05"),
]


@pytest.mark.parametrize(("year", "spring", "double_ninth"), KNOWN)
def test_lunar_festivals_match_known_dates(year: int, spring: str, double_ninth: str) -> None:
    assert festival_date(Festival.SPRING_FESTIVAL, year) == date.fromisoformat(spring)
    assert festival_date(Festival.DOUBLE_NINTH, year) == date.fromisoformat(double_ninth)


@pytest.mark.parametrize("year", [2025, 2028, 2030])
def test_fixed_festivals(year: int) -> None:
    assert festival_date(Festival.JULY_FIRST, year) == date(year, 7, 1)
    assert festival_date(Festival.NATIONAL_DAY, year) == date(year, 10, 1)


def test_years_outside_the_lunar_calendar_have_no_date() -> None:
    assert festival_date(Festival.SPRING_FESTIVAL, 2100) is None
    assert festival_date(Festival.DOUBLE_NINTH, 1899) is None
    assert festival_date(Festival.NATIONAL_DAY, 2100) == date(2100, 10, 1)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2026-04-20", []),
        ("2026-09-20", [(Festival.NATIONAL_DAY, "2026-10-01")]),
        # National Day is kept 7 days after; the Double Ninth (18 Oct) shows 15 days before
        (
            "2026-10-03",
            [(Festival.NATIONAL_DAY, "2026-10-01"), (Festival.DOUBLE_NINTH, "2026-10-18")],
        ),
        ("2027-01-30", [(Festival.SPRING_FESTIVAL, "2027-02-06")]),
        ("2025-01-20", [(Festival.SPRING_FESTIVAL, "2025-01-29")]),
    ],
)
def test_festival_occurrences_near_a_day(on: str, expected: list[tuple[Festival, str]]) -> None:
    got = festival_occurrences(date.fromisoformat(on), default_policy())
    assert got == [(f, date.fromisoformat(d)) for f, d in expected]
