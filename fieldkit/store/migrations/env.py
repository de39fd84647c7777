"""Alembic environment: runs on the connection handed in by fieldkit.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import fieldkit.domain.models
import fieldkit.store.tables  # noqa: F401

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:  # pragma: no cover - only for `alembic revision --autogenerate`
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///autogen.db"
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
