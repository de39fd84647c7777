"""The small store's fixtures, shared by the field app's, the finding and the record tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.support.store_copies import store_copy
from tests.tui.tui_helpers import build_store


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built store file, copied for each test (building it once keeps tests fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    build_store(path).close()
    return path


@pytest.fixture
def store(template_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the small store for one test."""
    with store_copy(template_db, tmp_path) as copy:
        yield copy
