"""Fixtures of the HQ set-up tests: an empty HQ database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import database_urls

# The hand-worked county of the report tests is reused to compare HQ's report with the laptops'.


@pytest.fixture(params=["sqlite", "postgres"])
def empty_hq_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty HQ database: a SQLite file, or a PostgreSQL schema when
    FIELDKIT_TEST_DATABASE_URL is set."""
    with database_urls(request.param, tmp_path) as url:
        yield url
