"""The console's audit trail: who did what, when and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from fieldkit.console import tables as ct
from sync.server.auth import utcnow

__all__ = ["AuditEntry", "recent", "record"]


@dataclass(frozen=True)
class AuditEntry:
    """One recorded action."""

    at: datetime
    user_name: str
    action: str
    detail: str
    address: str


def record(conn: Connection, user: str, action: str, detail: str = "", address: str = "") -> None:
    """Write one entry inside the caller's transaction (so it commits with the action)."""
    conn.execute(
        insert(ct.audit).values(
            at=utcnow(), user_name=user, action=action, detail=detail, address=address[:64]
        )
    )


def recent(conn: Connection, limit: int = 200) -> list[AuditEntry]:
    """The newest entries first."""
    a = ct.audit.c
    rows = conn.execute(
        select(a.at, a.user_name, a.action, a.detail, a.address).order_by(a.id.desc()).limit(limit)
    )
    return [AuditEntry(*row) for row in rows]
