"""Alembic environment of fieldkit's own tables at HQ; run by fieldkit.hq.projection.migrate."""

from __future__ import annotations

from alembic import context

from fieldkit.hq.projection.tables import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
