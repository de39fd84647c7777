"""Engines on the headquarters database and its migrations (SQLite or PostgreSQL).

On SQLite, write transactions begin with ``BEGIN IMMEDIATE`` so several workers
queue for the write lock instead of failing; on PostgreSQL the revision counter's
row lock does the queueing. Migrations run under an advisory lock on PostgreSQL
so several workers starting at once do not race. An application that keeps its
own tables in the same database (typed projections, a web console) migrates them
with a :class:`MigrationChain` of its own: another Alembic directory, version
table and lock key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from sync.sqlite import IMMEDIATE, sqlite_engine

__all__ = [
    "HEAD",
    "SERVER_CHAIN",
    "VERSION_TABLE",
    "MigrationChain",
    "current_revision",
    "make_engine",
    "migrate",
    "read_snapshot",
    "snapshot_beside",
    "write_begin",
]

HEAD = "s0004"
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


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")
"""What ``pg_export_snapshot()`` returns (``00000003-0000001B-1``)."""


@contextmanager
def snapshot_beside(conn: Connection) -> Iterator[Connection | None]:
    """A second connection whose transaction sees the snapshot of ``conn``'s, for
    reads run beside ``conn``'s in another thread; None on SQLite (read on ``conn``).

    ``conn`` is a :func:`read_snapshot` connection in a transaction, kept open while
    the second one is used. On PostgreSQL its snapshot is exported
    (``pg_export_snapshot()``) and imported by a new REPEATABLE READ transaction
    (``SET TRANSACTION SNAPSHOT``): both read the same committed data, whatever is
    committed in between.
    """
    if conn.dialect.name != "postgresql":
        yield None
        return
    exported = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    if not _SNAPSHOT_ID.fullmatch(exported):
        raise ValueError(f"not a snapshot id: {exported!r}")
    with read_snapshot(conn.engine) as other, other.begin():
        # the transaction's first statement; the id is PostgreSQL's own, checked above
        other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{exported}'")
        yield other


@dataclass(frozen=True)
class MigrationChain:
    """An Alembic script directory, its version table, its head and its lock key."""

    script_location: Path
    version_table: str
    head: str
    lock_key: int

    def revision(self, conn: Connection) -> str | None:
        """The chain's revision in the database, or None when it was never migrated."""
        if not inspect(conn).has_table(self.version_table):
            return None
        found = conn.execute(text(f"SELECT version_num FROM {self.version_table}")).scalar()
        return None if found is None else str(found)

    def current_revision(self, engine: Engine) -> str | None:
        """:meth:`revision` on a connection of its own."""
        with engine.connect() as conn:
            return self.revision(conn)

    def migrate(
        self, engine: Engine, then: Callable[[Connection, str | None], None] | None = None
    ) -> str | None:
        """Bring the chain to its head; returns the revision found before.

        That is the head itself when nothing had to run, and None for a database the
        chain had never touched. ``then`` runs in the upgrade's transaction, after
        it, with the revision found before.
        """
        if self.current_revision(engine) == self.head:
            return self.head
        with write_begin(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key})
            before = self.revision(conn)
            self._upgrade(conn)
            if then is not None:
                then(conn, before)
        return before

    def _upgrade(self, conn: Connection) -> None:
        """Alembic's ``upgrade head`` on ``conn`` (the env.py reads the connection)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(self.script_location))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The database's migration revision, or None when it was never migrated."""
    return SERVER_CHAIN.current_revision(engine)


def migrate(engine: Engine) -> None:
    """Bring the database to :data:`HEAD` (no-op when it is there)."""
    SERVER_CHAIN.migrate(engine)


SERVER_CHAIN = MigrationChain(MIGRATIONS_DIR, VERSION_TABLE, HEAD, _LOCK_KEY)
"""The sync server's own migrations."""
