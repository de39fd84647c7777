"""The laptop's store: one SQLite file, migrated on open, with read and write sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from fieldkit.domain.ids import new_id
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import upgrade
from fieldkit.store.outbox import capture_changes, meta_get, meta_set

__all__ = ["Store", "StoreSession"]


class StoreSession(Session):
    """A session on a store; its flushes write the outbox (see :mod:`.outbox`)."""


event.listen(StoreSession, "before_flush", capture_changes)


class Store:
    """A laptop's SQLite store at ``path``, migrated to the head revision on open.

    Opening also finishes a bulk load a cut first pull left (:mod:`.bulk_load`), so
    the store is never used without its indexes and derived data.

    Use :meth:`write` for a transaction that commits on success and rolls back on
    any error (nothing half-written), and :meth:`read` for queries.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.engine = make_engine(self.path)
        upgrade(self.engine)
        # A pull cut during a bulk load left the indexes and derived data to build:
        # build them before anything reads the store (imported here: the rebuilds
        # live with the queries that read them, which import this module).
        from fieldkit.store.bulk_load import finish_interrupted

        finish_interrupted(self.engine)
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)
        device_id = self.meta("device_id")
        if device_id is None:  # a new store: make its device id once
            with self.write() as s:
                device_id = meta_get(s, "device_id")
                if device_id is None:
                    device_id = new_id()
                    meta_set(s, "device_id", device_id)
        self.device_id: str = device_id

    @contextmanager
    def write(self, *, remote: bool = False) -> Iterator[StoreSession]:
        """A write transaction (``BEGIN IMMEDIATE``); ``remote`` skips the outbox."""
        session = StoreSession(bind=self._write_engine, expire_on_commit=False)
        session.info["remote"] = remote
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[StoreSession]:
        """A read-only session; anything it would write is rolled back."""
        session = StoreSession(bind=self.engine, expire_on_commit=False, autoflush=False)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def meta(self, key: str) -> str | None:
        """Read one local setting."""
        with self.read() as s:
            return meta_get(s, key)

    def set_meta(self, key: str, value: str) -> None:
        """Write one local setting in its own transaction."""
        with self.write() as s:
            meta_set(s, key, value)

    def close(self) -> None:
        """Release the file's connections."""
        self.engine.dispose()
