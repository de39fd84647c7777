"""Secrets of headquarters: device tokens and one-time enrollment codes.

Only SHA-256 hashes are stored. A token is 256 random bits; an enrollment code is
short enough to type (about 60 bits), single-use and expiring.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from sync.roles import Roles, RoleSpec
from sync.server import tables as t

__all__ = [
    "Device",
    "RoleNotServed",
    "device_for_token",
    "hash_secret",
    "new_code",
    "new_token",
    "normalize_code",
    "scope_from_text",
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
    role: RoleSpec
    scope: frozenset[str] | None
    watermark: int

    @property
    def node(self) -> str:
        """The node of the device's clocks: its id."""
        return self.id

    def may_touch(self, scope_key: str) -> bool:
        """Whether this device's user serves ``scope_key``."""
        return self.scope is None or scope_key in self.scope

    def hidden_in(self, table: str) -> frozenset[str]:
        """Fields of ``table`` this device's role never receives."""
        return self.role.hidden_in(table)


class RoleNotServed(Exception):
    """A device whose user holds a role the application no longer declares."""


def scope_from_text(role: RoleSpec, text: str) -> frozenset[str] | None:
    """The scope stored for a user (None: every scope key)."""
    if role.everything or text == "*":
        return None
    value: Any = json.loads(text)
    return frozenset(str(v) for v in value)


def device_for_token(conn: Connection, roles: Roles, token: str) -> Device | None:
    """The live (not revoked) device holding ``token``, or None.

    Raises :class:`RoleNotServed` when the device's user has a role ``roles`` lacks.
    """
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
    role = roles.get(row.role)
    if role is None:
        raise RoleNotServed(
            f"{row.user}'s role {row.role!r} is not one headquarters serves "
            f"({', '.join(roles.names)}): an administrator must give the user another role"
        )
    return Device(
        id=row.id,
        name=row.name,
        user=row.user,
        role=role,
        scope=scope_from_text(role, row.scope),
        watermark=int(row.watermark),
    )
