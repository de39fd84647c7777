"""The console's migrations: its own Alembic chain and version table in the HQ database.

Run at ``fieldkit serve`` start and whenever the console app is made; a no-op in
one query when the database is at :data:`HEAD`. On PostgreSQL an advisory lock
keeps several workers starting at once from racing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from sync.server.db import write_begin

__all__ = ["HEAD", "VERSION_TABLE", "current_revision", "migrate_console"]

HEAD = "c0001"
"""The newest console migration."""
VERSION_TABLE = "console_alembic_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 7_413_202


def current_revision(engine: Engine) -> str | None:
    """The console tables' migration revision, or None when never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        value = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return None if value is None else str(value)


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def migrate_console(engine: Engine) -> None:
    """Bring the console tables to :data:`HEAD`."""
    if current_revision(engine) == HEAD:
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            _upgrade(conn)
    else:
        with write_begin(engine) as conn:
            _upgrade(conn)
