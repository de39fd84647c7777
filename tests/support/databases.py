"""HQ databases and ports for the tests; nothing of the application.

An HQ database is a SQLite file or a fresh PostgreSQL schema (from
``FIELDKIT_TEST_DATABASE_URL``; its variants skip with the reason when it is unset,
and fail when it is set but unreachable).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

__all__ = ["PG_ENV", "database_urls", "free_port"]

PG_ENV = "FIELDKIT_TEST_DATABASE_URL"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database_urls(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh HQ database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'hq.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL variants skipped")
    schema = f"fk_test_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
