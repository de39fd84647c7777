"""Secrets of headquarters: device tokens and one-time enrollment codes.

Only SHA-256 hashes are stored. A token is 256 random bits; an enrollment code is
short enough to type (about 60 bits), single-use and expiring.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from sync.server import tables as t

__all__ = [
    "Device",
    "device_for_token",
    "hash_secret",
    "new_code",
    "new_token",
    "normalize_code",
    "utcnow",
]

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def hash_secret(secret: str) -> str:
    """The stored form of a token or code."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    """A fresh device token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """A fresh enrollment code such as ``K7QW-M3XP-9RTA``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str:
    """A code as typed (any case, spaces or dashes) in its canonical form."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else raw


@dataclass(frozen=True)
class Device:
    """An enrolled device and what its user may see (``scope`` None means everything)."""

    id: str
    name: str
    user: str
    role: str
    scope: frozenset[str] | None
    watermark: int

    def may_touch(self, scope_key: str) -> bool:
        """Whether this device's user serves ``scope_key``."""
        return self.scope is None or scope_key in self.scope


def scope_from_text(role: str, text: str) -> frozenset[str] | None:
    """The scope stored for a user (admins and ``*`` see everything)."""
    import json

    if role == "admin" or text == "*":
        return None
    value: Any = json.loads(text)
    return frozenset(str(v) for v in value)


def device_for_token(conn: Connection, token: str) -> Device | None:
    """The live (not revoked) device holding ``token``, or None."""
    row = conn.execute(
        select(
            t.device.c.id,
            t.device.c.name,
            t.device.c.watermark,
            t.device.c.revoked_at,
            t.user.c.name.label("user"),
            t.user.c.role,
            t.user.c.scope,
        )
        .join(t.user, t.user.c.id == t.device.c.user_id)
        .where(t.device.c.token_hash == hash_secret(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return Device(
        id=row.id,
        name=row.name,
        user=row.user,
        role=row.role,
        scope=scope_from_text(row.role, row.scope),
        watermark=int(row.watermark),
    )
