"""Fixtures of the service-card tests: a demo store with the county's first card key."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.cards.keys import (
    KeyRing,
    SigningKey,
    default_key_dir,
    key_file_name,
    new_signing_key,
    write_key_file,
)
from fieldkit.demo import build_demo_store
from fieldkit.store import Store
from tests.cards.cards_helpers import COUNTY, WHEN, publish_key


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county's store, built once per module; tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_store(path).close()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the demo store (no card keys yet)."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture
def hq_key(demo_store: Store) -> SigningKey:
    """The county's first key: its file in HQ's key dir, its public half in the store."""
    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    write_key_file(key, default_key_dir() / key_file_name(key))
    publish_key(demo_store, key.public)
    return key
