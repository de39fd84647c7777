"""Record ids: UUIDv7 strings made on the device, never by the server."""

from __future__ import annotations

from uuid6 import uuid7

__all__ = ["new_id"]


def new_id() -> str:
    """A new time-ordered UUIDv7, as its canonical 36-character string."""
    return str(uuid7())
