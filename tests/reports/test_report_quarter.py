"""Quarters: strict parsing, local-date bounds, zones, and file creation days from ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from fieldkit.domain.ids import new_id
from fieldkit.reports.quarter import Quarter, QuarterError, id_created_on, parse_quarter
from tests.reports.report_county import id_at


@pytest.mark.parametrize(
    ("text", "year", "number"),
    [("2026Q4", 2026, 4), ("2027Q1", 2027, 1), (" 2026q2 ", 2026, 2)],
)
def test_parse(text: str, year: int, number: int) -> None:
    assert parse_quarter(text) == Quarter(year, number)


@pytest.mark.parametrize(
    "text", ["", "2026", "2026Q5", "2026Q0", "26Q4", "2026-Q4", "Q4 2026", "2026Q44", "２０２６Q4"]
)
def test_parse_refuses_with_the_expected_form(text: str) -> None:
    with pytest.raises(QuarterError, match="like 2026Q4"):
        parse_quarter(text)


def test_bounds() -> None:
    q = parse_quarter("2026Q4")
    assert (q.start, q.end, q.next_start) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        date(2027, 1, 1),
    )
    q1 = parse_quarter("2028Q1")
    assert (q1.start, q1.end) == (date(2028, 1, 1), date(2028, 3, 31))
    assert str(q) == "2026Q4"
    assert q.label() == "2026年第四季度"
    assert parse_quarter("2026Q2").label() == "2026年第二季度"


def test_local_wall_clock_times_at_the_edges() -> None:
    q = parse_quarter("2026Q4")
    assert q.contains(datetime(2026, 12, 31, 23, 59, 59))
    assert not q.contains(datetime(2027, 1, 1, 0, 0, 0))
    assert q.contains(datetime(2026, 10, 1, 0, 0, 0))
    assert not q.contains(datetime(2026, 9, 30, 23, 59, 59))


def test_aware_times_are_taken_in_shanghai() -> None:
    q = parse_quarter("2026Q4")
    # 16:00 UTC on 31 December is midnight in Shanghai: the next quarter
    assert not q.contains(datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC))
    assert q.contains(datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC))
    # 1 October 00:30 in Shanghai is still 30 September in UTC
    assert q.contains(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    tokyo = timezone(timedelta(hours=9))
    assert q.contains(datetime(2027, 1, 1, 0, 30, tzinfo=tokyo))  # 23:30 in Shanghai
    assert not q.contains(datetime(2027, 1, 1, 1, 30, tzinfo=tokyo))  # 00:30 in Shanghai


def test_created_on_is_the_local_day_of_the_id_time() -> None:
    # 2026-10-31 17:30 UTC is 1 November 01:30 in Shanghai
    assert id_created_on(id_at(datetime(2026, 10, 31, 17, 30, tzinfo=UTC))) == date(2026, 11, 1)
    assert id_created_on(id_at(datetime(2026, 10, 31, 15, 30, tzinfo=UTC))) == date(2026, 10, 31)
    assert id_created_on(new_id()) is not None
    assert id_created_on("not-an-id") is None
    assert id_created_on("0196d0d2-9b1e-4c8a-9d3e-123456789abc") is None  # UUIDv4
    assert id_created_on("ffffffff-ffff-7fff-bfff-ffffffffffff") is None  # past year 9999


def test_created_on_agrees_with_the_zone_database_across_the_years() -> None:
    from fieldkit.reports.quarter import local_day

    for moment in (
        datetime(1988, 6, 1, 15, 30, tzinfo=UTC),  # China kept summer time then
        datetime(1999, 12, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 15, 59, 59, 999000, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
        datetime(2150, 3, 1, 20, 0, tzinfo=UTC),
    ):
        assert id_created_on(id_at(moment)) == local_day(moment), moment
