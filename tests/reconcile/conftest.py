"""Fixtures of the first-sync tests: a real ``fieldkit serve`` on a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.hq_process import Hq, migrated_database


@pytest.fixture
def hq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    """A fresh HQ per test (each test enrolls its own laptops)."""
    with migrated_database("sqlite", tmp_path_factory.mktemp("hq")) as url:
        server = Hq(url)
        try:
            yield server
        finally:
            server.stop()
