"""Alembic environment of the console's tables; run by fieldkit.console.migrate."""

from __future__ import annotations

from alembic import context

from fieldkit.console.migrate import VERSION_TABLE
from fieldkit.console.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
