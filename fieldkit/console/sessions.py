"""Console sessions, CSRF tokens, failed sign-in limits and the cookie-signing key.

The browser holds a signed, HttpOnly, SameSite=Strict cookie with a random session
id; HQ keeps only its SHA-256 with the user, the session's CSRF token, its expiry
and, after sign-out, its end. Every form carries the CSRF token and every POST is
checked against the session's. Failed sign-ins are counted per user name and per
address over a window: past the limit, sign-in is refused even with the right
password until the window has passed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from fieldkit.console import tables as ct
from sync.server.auth import hash_secret, utcnow
from sync.server.db import write_begin

__all__ = [
    "LoginLimits",
    "Session",
    "cookie_secret",
    "csrf_matches",
    "end_session",
    "failure_count",
    "find_session",
    "is_limited",
    "note_failure",
    "start_session",
]

SESSION_HOURS = 8
"""How long a session lasts (a working day)."""


@dataclass(frozen=True)
class LoginLimits:
    """At most ``per_user`` failures per user and ``per_address`` per address in ``window``."""

    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Session:
    """A live console session."""

    user: str
    csrf: str
    expires_at: datetime


def cookie_secret(engine: Engine) -> str:
    """The key that signs session cookies, made once and shared by every worker."""
    with engine.connect() as conn:
        found = conn.execute(select(ct.secret.c.value).where(ct.secret.c.id == 1)).scalar()
    if found is not None:
        return str(found)
    with write_begin(engine) as conn:
        found = conn.execute(select(ct.secret.c.value).where(ct.secret.c.id == 1)).scalar()
        if found is None:
            found = secrets.token_urlsafe(48)
            conn.execute(insert(ct.secret).values(id=1, value=found))
    return str(found)


def start_session(conn: Connection, user: str, address: str) -> str:
    """A new session for ``user``; returns the session id for the cookie."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(
        insert(ct.session).values(
            id_hash=hash_secret(sid),
            user_name=user,
            csrf=secrets.token_urlsafe(32),
            address=address[:64],
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    return sid


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def find_session(conn: Connection, sid: str) -> Session | None:
    """The live session with id ``sid`` (not ended, not expired), or None."""
    s = ct.session.c
    row = conn.execute(
        select(s.user_name, s.csrf, s.expires_at, s.ended_at).where(s.id_hash == hash_secret(sid))
    ).first()
    if row is None or row.ended_at is not None or _aware(row.expires_at) <= utcnow():
        return None
    return Session(user=row.user_name, csrf=row.csrf, expires_at=_aware(row.expires_at))


def end_session(conn: Connection, sid: str) -> None:
    """Sign out: the session id no longer opens anything."""
    conn.execute(
        update(ct.session)
        .where(ct.session.c.id_hash == hash_secret(sid), ct.session.c.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def _keys(user: str, address: str) -> tuple[str, str]:
    return f"user:{user.strip()[:200]}", f"addr:{address[:64]}"


def failure_count(
    conn: Connection, user: str, address: str, limits: LoginLimits
) -> tuple[int, int]:
    """Failures within the window for this user name and for this address."""
    since = utcnow() - limits.window
    f = ct.login_failure.c
    counts = []
    for key in _keys(user, address):
        n = conn.execute(select(func.count()).where(f.key == key, f.at > since)).scalar()
        counts.append(int(n or 0))
    return counts[0], counts[1]


def note_failure(conn: Connection, user: str, address: str, limits: LoginLimits) -> None:
    """Count one failed sign-in for the user name and the address (old ones are dropped)."""
    now = utcnow()
    conn.execute(delete(ct.login_failure).where(ct.login_failure.c.at < now - limits.window * 4))
    conn.execute(
        insert(ct.login_failure), [{"key": key, "at": now} for key in _keys(user, address)]
    )


def is_limited(conn: Connection, user: str, address: str, limits: LoginLimits) -> bool:
    """Whether sign-in is refused for now for this user name or this address."""
    by_user, by_address = failure_count(conn, user, address, limits)
    return by_user >= limits.per_user or by_address >= limits.per_address
