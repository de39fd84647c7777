"""Fixtures of the sync tests: a toy-schema HQ served over real HTTP from a thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server import ServerSettings
from tests.support.databases import database_urls
from tests.sync.toy import ServerThread, toy_app


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def toy_hq(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """A toy HQ (max batch 50) on SQLite, and on PostgreSQL when configured."""
    tmp: Path = tmp_path_factory.mktemp("toyhq")
    with database_urls(request.param, tmp) as url:
        srv = ServerThread(toy_app(url, ServerSettings(max_batch=50)))
        try:
            yield srv
        finally:
            srv.stop()
            srv.engine.dispose()
