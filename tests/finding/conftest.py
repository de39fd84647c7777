"""Fixtures of the finding tests: the field app's small store, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.tui.tui_helpers import build_store  # the field app's test store


@pytest.fixture(scope="session")
def finding_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small store, built once."""
    path = tmp_path_factory.mktemp("finding") / "template.db"
    build_store(path).close()
    return path


@pytest.fixture
def store(finding_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the small store for one test."""
    path = tmp_path / "fieldkit.db"
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{finding_template}{suffix}")
        if src.exists():
            shutil.copy(src, f"{path}{suffix}")
    st = Store(path)
    yield st
    st.close()
