"""Fixtures of the tests of fieldkit's sync: fieldkit's HQ served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hq.hq_kit import fieldkit_hq
from tests.support.databases import database_urls
from tests.support.server_thread import ServerThread


def _serve(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """fieldkit's HQ on a fresh database of ``backend``, stopped and disposed afterwards."""
    with database_urls(backend, tmp_path_factory.mktemp("fkhq")) as url:
        srv = fieldkit_hq(url)
        try:
            yield srv
        finally:
            srv.stop()
            srv.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq_any(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """fieldkit's HQ on SQLite, and on PostgreSQL when FIELDKIT_TEST_DATABASE_URL is set."""
    yield from _serve(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def hq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """fieldkit's HQ on a SQLite file, one per test module."""
    yield from _serve("sqlite", tmp_path_factory)
