"""Engines on the headquarters database and its migrations (SQLite or PostgreSQL).

On SQLite, write transactions begin with ``BEGIN IMMEDIATE`` so several workers
queue for the write lock instead of failing; on PostgreSQL the revision counter's
row lock does the queueing. Migrations run under an advisory lock on PostgreSQL
so several workers starting at once do not race.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from sync.sqlite import IMMEDIATE, sqlite_engine

__all__ = [
    "HEAD",
    "VERSION_TABLE",
    "current_revision",
    "make_engine",
    "migrate",
    "read_snapshot",
    "write_begin",
]

HEAD = "s0003"
"""The newest server migration."""
VERSION_TABLE = "sync_alembic_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 7_413_201


def make_engine(url: str) -> Engine:
    """An engine on ``url`` (a SQLite file is created with its directory if missing).

    SQLite gets the settings of :mod:`sync.sqlite` (no foreign keys: the HQ tables
    have none, and a 30 s wait for the write lock).
    """
    if make_url(url).get_backend_name() == "sqlite":
        return sqlite_engine(url, busy_timeout_ms=30_000, foreign_keys=False)
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)


def write_begin(engine: Engine) -> AbstractContextManager[Connection]:
    """``engine.begin()`` for a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(**{IMMEDIATE: True}).begin()


def read_snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one snapshot of the database.

    A pull page reads the head revision, the records and the exits in several
    statements; under PostgreSQL's default READ COMMITTED each would see the pushes
    committed in between, so a page could skip a change or claim a stale
    ``seen_rev``. REPEATABLE READ gives the whole transaction one snapshot (read-only
    transactions never fail to serialize). SQLite's transaction is one snapshot
    already (WAL).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ").connect()
    return engine.connect()


def current_revision(engine: Engine) -> str | None:
    """The database's migration revision, or None when it was never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def migrate(engine: Engine) -> None:
    """Bring the database to :data:`HEAD` (no-op when it is there)."""
    if current_revision(engine) == HEAD:
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            _upgrade(conn)
    else:
        with write_begin(engine) as conn:
            _upgrade(conn)
