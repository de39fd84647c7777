"""A store file opened on first use, so the app's first page does not wait for it.

Opening a :class:`~fieldkit.store.Store` loads SQLAlchemy, SQLModel and the table
classes. :meth:`StoreOpener.later` keeps only the path of a store that is ready as
it is (at the head revision, see :func:`fieldkit.store.plain.ready`); until
something needs the store, the reads of the first screen (a roster page without
search text, the sites, a local setting) are plain SQL (:mod:`fieldkit.store.plain`).
The app opens the store in a worker once its first page is on screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fieldkit.store import plain

if TYPE_CHECKING:
    from fieldkit.store import Store

__all__ = ["StoreOpener"]


class StoreOpener:
    """One store file: the opened :class:`Store`, or its path until first needed."""

    def __init__(self, path: Path, store: Store | None = None) -> None:
        self.path = path
        self._store = store
        self._lock = threading.Lock()

    @classmethod
    def of(cls, store: Store) -> StoreOpener:
        """An opener of a store already open."""
        return cls(store.path, store)

    @classmethod
    def later(cls, path: Path, before_upgrade: Callable[[Path], None] | None = None) -> StoreOpener:
        """The store at ``path``: opened now when it needs work (created, migrated, a
        bulk load finished), else when first used. ``before_upgrade`` is called with
        the path just before a store at an older revision is upgraded."""
        opener = cls(path)
        if not plain.ready(path):
            if before_upgrade is not None and plain.needs_upgrade(path):
                before_upgrade(path)
            opener.store()
        return opener

    @property
    def opened(self) -> bool:
        """Whether the store is open (else only plain reads were made)."""
        return self._store is not None

    def store(self) -> Store:
        """The store, opened now if it is not yet (once, whichever thread asks first)."""
        store = self._store
        if store is None:
            with self._lock:
                if self._store is None:
                    from fieldkit.store import Store

                    self._store = Store(self.path)
                store = self._store
        return store

    def meta(self, key: str) -> str | None:
        """One local setting, from the open store or with a plain read."""
        store = self._store
        return plain.meta(self.path, key) if store is None else store.meta(key)

    def close(self) -> None:
        """Release the file's connections (nothing to do when it was never opened)."""
        if self._store is not None:
            self._store.close()
