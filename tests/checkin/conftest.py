"""Fixtures of the check-in tests: the field app's small store, with or without a card key.

The store and app helpers are the field app tests' own (``tests/tui/tui_helpers.py``).
Card keys reach laptops through sync; here the public half is put into the laptop
store directly and the cards are signed with the private half.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.cards.keys import KeyRing, SigningKey, new_signing_key
from fieldkit.store import Store
from tests.cards.cards_helpers import publish_key
from tests.support.store_copies import store_copy
from tests.tui.tui_fixtures import template_db

COUNTY = "甘洛县"
"""The county of the test store's sites."""


@pytest.fixture
def bare_store(template_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the field app tests' store, with no card keys yet."""
    with store_copy(template_db, tmp_path) as copy:
        yield copy


@pytest.fixture
def county_key(bare_store: Store) -> SigningKey:
    """The county's first card key; its public half is in the laptop store."""
    from tests.tui.tui_helpers import NOW

    key = new_signing_key(COUNTY, KeyRing(), NOW)
    publish_key(bare_store, key.public)
    return key


@pytest.fixture
def store(bare_store: Store, county_key: SigningKey) -> Store:
    """The store with the county's card key."""
    return bare_store


__all__ = ["bare_store", "county_key", "store", "template_db"]
