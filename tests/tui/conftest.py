"""Fixtures of the field app's tests: a small store built once, copied per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hq_process import Hq, migrated_database  # a real server process
from tests.tui.tui_fixtures import store, template_db

__all__ = ["hq", "store", "template_db"]


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[Hq]:
    """A real ``fieldkit serve`` on a fresh SQLite HQ database."""
    with migrated_database("sqlite", tmp_path) as url:
        server = Hq(url)
        try:
            yield server
        finally:
            server.stop()
