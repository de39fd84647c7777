"""Alembic migrations of a laptop's store, run on every start.

Starting is fast when the store is already at the head revision: the version is
read with one query and Alembic is only loaded when there is work to do. An
upgrade runs in one ``BEGIN IMMEDIATE`` transaction (SQLite DDL is transactional),
so two processes opening an old store migrate it once, one after the other, and
a failed step leaves the store as it was; a lock does the same for threads.
"""

from __future__ import annotations

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
    "current_revision",
    "include_object",
    "revision_of",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD = "0014"
"""The newest revision; keep it equal to the newest file in migrations/versions."""

_LOCK = threading.Lock()

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
    if current_revision(engine) == HEAD:
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
