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


_WORKER_PORTS = 2000
"""Ports each pytest-xdist worker hands out, below the kernel's ephemeral range."""
_next_port: list[int] = []


def free_port() -> int:
    """A TCP port nobody listens on right now.

    Under pytest-xdist each worker takes its ports from its own range below the
    ephemeral ones, so a server of one worker is never started on the port a server
    of another worker has just been given (nor on a port the kernel gives a client).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    first = 20_000 + int(worker[2:]) * _WORKER_PORTS
    if not _next_port:
        _next_port.append(first)
    for _ in range(_WORKER_PORTS):
        port = _next_port[0]
        _next_port[0] = first + (port + 1 - first) % _WORKER_PORTS
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{first + _WORKER_PORTS - 1}")


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
