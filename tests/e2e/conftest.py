"""Fixtures of the end-to-end tests: a real ``fieldkit serve`` per module and backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.hq_process import Hq, migrated_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    with migrated_database(request.param, tmp_path_factory.mktemp("hq")) as url:
        server = Hq(url)
        try:
            yield server
        finally:
            server.stop()
