"""The console's migrations: its own Alembic chain and version table in the HQ database.

Run at ``fieldkit serve`` start and whenever the console app is made; a no-op in
one query when the database is at :data:`HEAD` (see :class:`sync.server.db.MigrationChain`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from sync.server.db import MigrationChain

__all__ = ["HEAD", "VERSION_TABLE", "current_revision", "migrate_console"]

HEAD = "c0001"
"""The newest console migration."""
VERSION_TABLE = "console_alembic_version"
CHAIN = MigrationChain(
    script_location=Path(__file__).parent / "migrations",
    version_table=VERSION_TABLE,
    head=HEAD,
    lock_key=7_413_202,
)


def current_revision(engine: Engine) -> str | None:
    """The console tables' migration revision, or None when never migrated."""
    return CHAIN.current_revision(engine)


def migrate_console(engine: Engine) -> None:
    """Bring the console tables to :data:`HEAD`."""
    CHAIN.migrate(engine)
