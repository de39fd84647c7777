"""SQLite engines for a laptop's store: WAL, foreign keys, durable commits.

The connection settings live in :mod:`sync.sqlite`, shared with a headquarters
database on SQLite. The store enforces foreign keys, checked when a transaction
commits. Write sessions begin with ``BEGIN IMMEDIATE`` so two processes on one
store (the app and a ``fieldkit sync`` run) queue for the write lock instead of
failing half way; reads begin deferred and never block the writer (WAL).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event

from fieldkit.store.search_index import register_functions
from sync.sqlite import sqlite_engine

__all__ = ["make_engine"]

BUSY_TIMEOUT_MS = 10_000


def make_engine(path: Path) -> Engine:
    """An engine on the SQLite file at ``path`` (created if missing).

    Its connections know the SQL function the roster's search-key triggers call.
    """
    engine = sqlite_engine(f"sqlite:///{path}", busy_timeout_ms=BUSY_TIMEOUT_MS, foreign_keys=True)
    event.listen(engine, "connect", register_functions)
    return engine
