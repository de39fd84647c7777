"""Migrating fieldkit's own tables at HQ (Alembic, version table
``fieldkit_hq_alembic_version``, beside the sync server's ``sync_alembic_version``).

Run at ``fieldkit serve`` start and by every ``fieldkit admin`` command, after the
sync server's migrations. When the projection is made on a database that already
holds records (an HQ upgraded to this version), it is filled from them in the
same transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, exists, select

from fieldkit.hq.projection.rebuild import rebuild_projection
from fieldkit.hq.projection.tables import VERSION_TABLE
from sync.server import tables as sync_tables
from sync.server.db import MigrationChain

__all__ = ["HEAD", "migrate_projection", "projection_revision"]

HEAD = "h0006"
"""The newest migration of fieldkit's HQ tables."""
CHAIN = MigrationChain(
    script_location=Path(__file__).resolve().parent.parent / "migrations",
    version_table=VERSION_TABLE,
    head=HEAD,
    lock_key=7_413_203,  # the sync server and the console hold their own
)


def projection_revision(conn: Connection) -> str | None:
    """The projection's migration revision, or None when it was never made."""
    return CHAIN.revision(conn)


def migrate_projection(engine: Engine) -> bool:
    """Bring fieldkit's HQ tables to :data:`HEAD`; True when the projection was made now."""
    return CHAIN.migrate(engine, then=_fill_if_new) is None


def _fill_if_new(conn: Connection, before: str | None) -> None:
    """A projection made on a database that holds records is filled from them."""
    if before is None and _holds_records(conn):
        rebuild_projection(conn)


def _holds_records(conn: Connection) -> bool:
    return bool(conn.execute(select(exists().select_from(sync_tables.record))).scalar())
