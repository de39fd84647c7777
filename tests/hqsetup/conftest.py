"""Fixtures of the HQ set-up tests: an empty HQ database on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import database_urls

# The hand-worked county of the report tests is reused to compare HQ's report with the laptops'.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "reports"))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_hq_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty HQ database: a SQLite file, or a PostgreSQL schema when
    FIELDKIT_TEST_DATABASE_URL is set."""
    with database_urls(request.param, tmp_path) as url:
        yield url
