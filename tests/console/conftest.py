"""Fixtures of the console tests: a real ``fieldkit serve`` per backend with a synced county."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_kit import ADMIN, PASSWORD, County, browser_page, make_county, set_password
from hq_process import Hq, database_urls

__all__ = ["browser_page"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    with database_urls(request.param, tmp_path_factory.mktemp("hq")) as url:
        server = Hq(url)
        try:
            server.admin("add-user", ADMIN, "--role", "admin")
            out = set_password(server, ADMIN, PASSWORD)
            assert "exit=0" in out, out
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def county(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> County:
    return make_county(hq, tmp_path_factory.mktemp("laptops"))


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pages' screenshots are kept (printed at the end of the run)."""
    path = tmp_path_factory.getbasetemp() / "console-screenshots"
    path.mkdir(exist_ok=True)
    return path
