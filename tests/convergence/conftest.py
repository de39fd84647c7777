"""Fixtures of the convergence tests: a real ``fieldkit serve`` per module and backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.hq_process import Hq, migrated_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    """``fieldkit serve`` on SQLite, and on PostgreSQL when FIELDKIT_TEST_DATABASE_URL is set."""
    tmp = tmp_path_factory.mktemp("hq")
    with migrated_database(request.param, tmp) as url:
        server = Hq(url, tmp / "serve.log")
        try:
            yield server
        finally:
            server.stop()
