"""Fixtures of the fault-injection tests: a real ``fieldkit serve`` and a fault proxy.

HQ runs as ``tests/support/hq_process.Hq``, whose log goes to a file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.proxy import FaultProxy
from tests.support.hq_process import Hq, migrated_database


@pytest.fixture(scope="module")
def hq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    """One ``fieldkit serve`` on a SQLite file per test module."""
    tmp = tmp_path_factory.mktemp("hq")
    with migrated_database("sqlite", tmp) as url:
        server = Hq(url, tmp / "serve.log")
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq_any(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hq]:
    """``fieldkit serve`` on SQLite, and on PostgreSQL when FIELDKIT_TEST_DATABASE_URL is set.

    Unset: the PostgreSQL variant is skipped with the reason; set but unreachable:
    creating its schema raises, so the test errors instead of passing silently.
    """
    tmp = tmp_path_factory.mktemp("hqany")
    with migrated_database(request.param, tmp) as url:
        server = Hq(url, tmp / "serve.log")
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def proxy(hq: Hq) -> Iterator[FaultProxy]:
    """A fault proxy in front of the module's HQ (passes everything until told otherwise)."""
    with FaultProxy(hq.port) as p:
        yield p
