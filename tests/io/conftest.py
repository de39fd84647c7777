"""Fixtures of the import/export tests: demo stores copied per test, empty stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.demo import build_demo_store
from fieldkit.store import Store


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once per module; tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = build_demo_store(path)
    store.close()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the demo store for one test."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A new, empty store."""
    store = Store(tmp_path / "empty.db")
    yield store
    store.close()
