"""Fixtures of the service-card tests: a demo store with the county's first card key."""

from __future__ import annotations

import pytest

from fieldkit.cards.keys import (
    KeyRing,
    SigningKey,
    default_key_dir,
    key_file_name,
    new_signing_key,
    write_key_file,
)
from fieldkit.store import Store
from tests.cards.cards_helpers import COUNTY, WHEN, publish_key
from tests.support.store_copies import demo_store, demo_template


@pytest.fixture
def hq_key(demo_store: Store) -> SigningKey:
    """The county's first key: its file in HQ's key dir, its public half in the store."""
    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    write_key_file(key, default_key_dir() / key_file_name(key))
    publish_key(demo_store, key.public)
    return key


__all__ = ["demo_store", "demo_template"]
