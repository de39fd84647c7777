"""The laptop's local SQLite store: engine, migrations, outbox, repositories.

``Store``, ``StoreSession`` and ``StoreError`` are imported on first use (PEP 562):
importing a light module of this package (:mod:`.plain`, :mod:`.roster_types`)
does not load SQLAlchemy and the table classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldkit.lazy import lazy_exports

if TYPE_CHECKING:
    from fieldkit.store.outbox import StoreError
    from fieldkit.store.store import Store, StoreSession

__all__ = ["Store", "StoreError", "StoreSession"]

_HOMES = {
    "Store": "fieldkit.store.store",
    "StoreSession": "fieldkit.store.store",
    "StoreError": "fieldkit.store.outbox",
}


__getattr__ = lazy_exports(__name__, _HOMES)
