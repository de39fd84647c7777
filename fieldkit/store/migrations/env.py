"""Alembic environment: runs on the connection handed in by fieldkit.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

# Imported for their tables: the metadata autogenerate compares against.
import fieldkit.domain.models
import fieldkit.store.replica
import fieldkit.store.tables  # noqa: F401
from fieldkit.store.migrate import include_object

target_metadata = SQLModel.metadata

connection = context.config.attributes.get("connection")

if connection is None:  # pragma: no cover - only for `alembic revision --autogenerate`
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///autogen.db"
    with create_engine(url).connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
