"""Stores built once and copied for each test (building one takes far longer than a copy)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fieldkit.demo import build_demo_store
from fieldkit.store import Store
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, current_revision, upgrade


def build_demo_template(folder: Path) -> Path:
    """The demo county's store, built and closed in ``folder``; returns its path."""
    path = folder / "demo.db"
    build_demo_store(path).close()
    return path


_EMPTY: list[Path] = []


def _empty_template() -> Path:
    """A store file migrated to the head revision and never opened as a store (so it
    has no device id yet), made once per test process."""
    if not _EMPTY:
        folder = Path(tempfile.mkdtemp(prefix="fieldkit-empty-store-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "empty.db"
        engine = make_engine(path)
        try:
            upgrade(engine)
            assert current_revision(engine) == HEAD
        finally:
            engine.dispose()
        _EMPTY.append(path)
    return _EMPTY[0]


def new_store(path: Path) -> Store:
    """A new laptop store at ``path``, as ``Store(path)`` makes one, without running
    every migration again: a copy of a file migrated once, opened as a store, which
    gives it its own device id. (The migrations of a new file still run in every test
    that opens ``Store`` on a missing file.)"""
    if path.exists():
        raise FileExistsError(path)
    template = _empty_template()
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{path}{suffix}")
    return Store(path)


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
