"""Engines on the headquarters database and its migrations (SQLite or PostgreSQL).

On SQLite, write transactions begin with ``BEGIN IMMEDIATE`` so several workers
queue for the write lock instead of failing; on PostgreSQL the revision counter's
row lock does the queueing. Migrations run under an advisory lock on PostgreSQL
so several workers starting at once do not race.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

__all__ = [
    "HEAD",
    "VERSION_TABLE",
    "current_revision",
    "make_engine",
    "migrate",
    "read_snapshot",
    "write_begin",
]

HEAD = "s0002"
"""The newest server migration."""
VERSION_TABLE = "sync_alembic_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 7_413_201


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine on ``url`` (a SQLite file is created with its directory if missing)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)


def write_begin(engine: Engine) -> Any:
    """``engine.begin()`` for a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(sqlite_immediate=True).begin()


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
