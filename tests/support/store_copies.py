"""Stores built once and copied for each test (building one takes far longer than a copy)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fieldkit.demo import build_demo_store
from fieldkit.store import Store


def build_demo_template(folder: Path) -> Path:
    """The demo county's store, built and closed in ``folder``; returns its path."""
    path = folder / "demo.db"
    build_demo_store(path).close()
    return path


@contextmanager
def store_copy(template: Path, folder: Path, name: str = "fieldkit.db") -> Iterator[Store]:
    """A fresh copy of the closed store ``template`` (with its WAL files), open for one test."""
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{path}{suffix}")
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county's store, built once per module; tests copy it."""
    return build_demo_template(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the demo store for one test (no card keys yet)."""
    with store_copy(demo_template, tmp_path, "demo.db") as copy:
        yield copy
