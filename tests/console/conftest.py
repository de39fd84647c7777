"""Fixtures of the console tests: a real ``fieldkit serve`` per backend with a synced county;
an HQ database with its projection, per backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fieldkit.hq.projection import migrate_projection
from sync.server.db import make_engine, migrate
from tests.console.console_kit import (
    ADMIN,
    PASSWORD,
    County,
    browser_page,
    chromium,
    make_county,
    set_password,
)
from tests.support.hq_process import Hq, migrated_database

__all__ = ["browser_page", "chromium"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    with migrated_database(request.param, tmp_path_factory.mktemp("hq")) as url:
        server = Hq(url)
        try:
            server.admin("add-user", ADMIN, "--role", "admin")
            out = set_password(server, ADMIN, PASSWORD)
            assert "exit=0" in out, out
            yield server
        finally:
            server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def hq_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate(engine)  # on PostgreSQL a new schema; on SQLite already done
            migrate_projection(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def county(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> County:
    return make_county(hq, tmp_path_factory.mktemp("laptops"))


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the pages' screenshots are kept: ``test-artifacts/console/`` (git-ignored),
    or ``$FIELDKIT_TEST_ARTIFACTS/console/``."""
    root = Path(os.environ.get("FIELDKIT_TEST_ARTIFACTS") or ARTIFACTS)
    path = root / "console"
    path.mkdir(parents=True, exist_ok=True)
    return path
