"""Fixtures of the hostile tests: a real ``fieldkit serve`` on SQLite and on PostgreSQL.

One server per backend serves the whole folder, with a generous enrollment
throttle (these tests fail many enrollments on purpose from one address); the
throttle and the memory tests start servers of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.hostile_kit import Hq, serve


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    """fieldkit's HQ process on a fresh SQLite file, and on PostgreSQL when configured."""
    with serve(request.param, tmp_path_factory.mktemp("hostile")) as server:
        yield server
