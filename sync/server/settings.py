"""What the application tells the server besides its schema and roles: limits, and its name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

__all__ = ["AppInfo", "OnCommitted", "OnWritten", "ServerSettings", "WrittenRecord"]


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """A record as a write left it: every field's final value, its scope, its tombstone."""

    tbl: str
    id: str
    scope: str
    data: Mapping[str, Any]
    deleted: bool


OnWritten = Callable[[Connection, Sequence[WrittenRecord]], None]
"""Called inside a write's transaction with every record it wrote (children it moved too)."""

OnCommitted = Callable[[Sequence[WrittenRecord]], None]
"""Called after a push's transaction committed with every record it wrote (none is not
a call); it must return at once (e.g. wake a background job), and what it raises is
logged, never answered."""


class ServerSettings(BaseModel):
    """Limits of a headquarters server.

    ``max_body_bytes`` bounds a push body (compressed and plain), ``max_enroll_bytes``
    an enrollment body (no token needed to send one); ``enroll_failures_per_minute``
    is how many failed enrollment tries a client address gets a minute
    (:mod:`sync.server.throttle`).
    """

    max_drift_ms: int = 5 * 60 * 1000
    max_batch: int = 5000
    max_body_bytes: int = 32 * 1024 * 1024
    max_enroll_bytes: int = 16 * 1024
    enroll_failures_per_minute: int = 5
    default_page: int = 2000
    pushes_at_once: int = Field(default=2, ge=1)
    """How many pushes one server process runs in their write transaction at once; the
    others wait their turn without a database connection. Pushes queue for the
    revision counter's row anyway: more at once would only hold the pool's
    connections (starving the token checks and pulls) and share the interpreter with
    the push that holds the counter, keeping it held longer."""
    on_written: OnWritten | None = None
    """The application's hook on every push (e.g. to keep its own tables current)."""
    on_committed: OnCommitted | None = None
    """The application's hook after every push that wrote records committed."""


@dataclass(frozen=True)
class AppInfo:
    """How the application names itself to the people who meet the server.

    ``name`` is the program devices run (an old one is told "please upgrade
    NAME on this device"); ``title`` heads the OpenAPI document.
    """

    name: str
    title: str = "Headquarters sync"
    description: str = "Replication between field devices and headquarters."
