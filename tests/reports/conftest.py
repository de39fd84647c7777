"""Fixtures of the report tests: the hand-worked county, built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from tests.reports.report_county import County, build_county


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """The county of ``report_county`` (read only: tests must not write to it)."""
    built = build_county(tmp_path_factory.mktemp("county") / "laptop.db")
    yield built
    built.store.close()


@pytest.fixture(scope="module")
def q4(county: County) -> QuarterlyReport:
    """The county's 2026Q4 tables over every site."""
    return build_report(
        StoreSource(county.store), parse_quarter("2026Q4"), made_on=date(2027, 1, 5)
    )
