"""The laptop's local SQLite store: engine, migrations, outbox, repositories."""

from fieldkit.store.outbox import StoreError
from fieldkit.store.store import Store, StoreSession

__all__ = ["Store", "StoreError", "StoreSession"]
