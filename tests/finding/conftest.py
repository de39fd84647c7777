"""Fixtures of the finding tests: the field app's small store, copied per test, and an
invented county of 1,500 persons."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from tests.tui.tui_fixtures import store, template_db

__all__ = ["county", "store", "template_db"]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """An invented county of 1,500 persons (many surnames read two ways)."""
    path: Path = tmp_path_factory.mktemp("pages") / "county.db"
    store = generate_store(path, persons=1500, visits=0)
    yield store
    store.close()
