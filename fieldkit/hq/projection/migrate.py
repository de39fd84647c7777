"""Migrating fieldkit's own tables at HQ (Alembic, version table
``fieldkit_hq_alembic_version``, beside the sync server's ``sync_alembic_version``).

Run at ``fieldkit serve`` start and by every ``fieldkit admin`` command, after the
sync server's migrations. When the projection is made on a database that already
holds records (an HQ upgraded to this version), it is filled from them in the
same transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, exists, inspect, select, text

from fieldkit.hq.projection.rebuild import rebuild_projection
from fieldkit.hq.projection.tables import VERSION_TABLE
from sync.server import tables as sync_tables
from sync.server.db import write_begin

__all__ = ["HEAD", "migrate_projection", "projection_revision"]

HEAD = "h0001"
"""The newest migration of fieldkit's HQ tables."""
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_KEY = 7_413_203
"""The advisory lock of these migrations (the sync server and the console hold their own)."""


def projection_revision(conn: Connection) -> str | None:
    """The projection's migration revision, or None when it was never made."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if found is None else str(found)


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _holds_records(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().select_from(sync_tables.record))).scalar())


def migrate_projection(engine: Engine) -> bool:
    """Bring fieldkit's HQ tables to :data:`HEAD`; True when the projection was made now."""
    with engine.connect() as conn:
        if projection_revision(conn) == HEAD:
            return False
    with write_begin(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        made = projection_revision(conn) is None
        _upgrade(conn)
        if made and _holds_records(conn):
            rebuild_projection(conn)
    return made
