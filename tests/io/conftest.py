"""Fixtures of the import/export tests: demo stores copied per test, empty stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.support.store_copies import demo_store, demo_template


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A new, empty store."""
    store = Store(tmp_path / "empty.db")
    yield store
    store.close()


__all__ = ["demo_store", "demo_template"]
