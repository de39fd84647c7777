"""Alembic environment of the headquarters database; run by sync.server.db.migrate."""

from __future__ import annotations

from alembic import context

from sync.server.db import VERSION_TABLE
from sync.server.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
