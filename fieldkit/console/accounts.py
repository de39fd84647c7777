"""Who may use the console: HQ admin users with a console password (argon2).

A password is set with ``fieldkit admin set-password NAME`` for a user whose HQ
role is ``admin``. Signing in also checks that the user is still an admin, so
changing a user's role closes the console to them at once.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select

from fieldkit.console import tables as ct
from fieldkit.sync_schema import ADMIN
from sync.server import tables as t
from sync.server.auth import utcnow
from sync.server.records import upsert

__all__ = ["MIN_PASSWORD", "AccountError", "check_password", "is_admin", "set_password"]

MIN_PASSWORD = 10
"""The shortest password accepted."""

_hasher = PasswordHasher()
# verified against when the user is unknown, so an unknown name costs as much time
_DUMMY = _hasher.hash("fieldkit-console-no-such-user")


class AccountError(ValueError):
    """A password that cannot be set, with what to do instead."""


def is_admin(conn: Connection, name: str) -> bool:
    """Whether ``name`` is an HQ user with the admin role."""
    role = conn.execute(select(t.user.c.role).where(t.user.c.name == name)).scalar()
    return role == ADMIN


def set_password(conn: Connection, name: str, password: str) -> None:
    """Set the console password of admin ``name`` (inside the caller's transaction)."""
    if not is_admin(conn, name):
        raise AccountError(
            f"no admin user named {name!r} at HQ; add it first with "
            f"`fieldkit admin add-user {name} --role admin`"
        )
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    upsert(
        conn,
        ct.admin,
        [{"name": name, "password_hash": _hasher.hash(password), "set_at": utcnow()}],
        ["name"],
    )


def check_password(conn: Connection, name: str, password: str) -> bool:
    """Whether ``password`` is admin ``name``'s console password (and they are still admin)."""
    stored = conn.execute(select(ct.admin.c.password_hash).where(ct.admin.c.name == name)).scalar()
    try:
        ok = bool(_hasher.verify(stored or _DUMMY, password))
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None and is_admin(conn, name)
