"""Alembic migrations of a laptop's store, run on every start.

Starting is fast when the store is already at the head revision: the version is
read with one query and Alembic is only loaded when there is work to do. An
upgrade runs in one ``BEGIN IMMEDIATE`` transaction (SQLite DDL is transactional),
so two processes opening an old store migrate it once, one after the other, and
a failed step leaves the store as it was; a lock does the same for threads.

An upgrade from before revision 0014 (the ids made compact) frees about a third of
a store's pages; the file keeps them (later rows reuse them) unless it is rewritten,
so that upgrade ends with :func:`compact`, after its transaction committed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the head check of a fast start needs no SQL library
    from sqlalchemy import Engine
    from sqlalchemy.engine.interfaces import DBAPIConnection

__all__ = [
    "HEAD",
    "MIGRATIONS_DIR",
    "compact",
    "current_revision",
    "include_object",
    "revision_of",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD = "0014"
"""The newest revision; keep it equal to the newest file in migrations/versions."""

COMPACT_BEFORE = "0014"
"""An upgrade from a revision before this one ends by rewriting the file (:func:`compact`)."""

_LOCK = threading.Lock()
_log = logging.getLogger(__name__)

# Objects that migrations create by hand (the visit summary of 0003 and the
# indexes its queries use, the roster's search index of 0004 with the tables FTS5
# makes for it, the search keys of 0007, the report figures kept by 0009) are not
# in the SQLModel metadata.
_HAND_MADE = frozenset(
    {
        "visit_summary",
        "ix_person_birth_date",
        "ix_person_due",
        "person_fts",
        "person_fts_terms",
        "person_fts_data",
        "person_fts_idx",
        "person_fts_content",
        "person_fts_docsize",
        "person_fts_config",
        "person_search_key",
        "ix_person_search_key_person",
        "report_person_version",
        "report_replay",
        "ix_report_replay_unvisited",
    }
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic autogenerate filter: leave alone what migrations made by hand."""
    hand_made = name is not None and (name in _HAND_MADE or name.startswith("ix_visit_summary"))
    return not (reflected and compare_to is None and hand_made)


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a new store (one plain query, no reflection)."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        return revision_of(raw)


def revision_of(conn: DBAPIConnection | sqlite3.Connection) -> str | None:
    """The Alembic revision of the store on a DB-API connection, or None for a new store."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if found is None:
        return None
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if revision is None else str(revision[0])


def upgrade(engine: Engine) -> None:
    """Bring the store to the head revision (no-op when it is there already)."""
    before = current_revision(engine)
    if before == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _LOCK, engine.execution_options(sqlite_immediate=True).begin() as conn:
        # Alembic reads the version again inside the write lock: a store another
        # process has just upgraded is left alone.
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    if before is not None and before < COMPACT_BEFORE:  # revisions are zero-padded numbers
        compact(engine)


def compact(engine: Engine) -> bool:
    """Rewrite the store's file without its free pages (``VACUUM``, its copy in a
    temporary file rather than in memory), then empty the write-ahead log.

    Returns False, with the file as it was (``VACUUM`` is all or nothing), when it
    cannot: another connection busy with the store, or too little free disk for the
    copy. The store works the same either way; only its size differs.
    """
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA temp_store=FILE")
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            _log.warning("the store was not compacted (it works as before): %s", exc)
            return False
        finally:
            conn.execute(f"PRAGMA temp_store={int(temp_store)}")
    finally:
        raw.close()
    return True
