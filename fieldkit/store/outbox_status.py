"""What waits in the outbox and what HQ rejected: the one read of the outbox's state.

The sync line, the Sync screen, ``fieldkit sync`` and the sync tests all ask here
(the replica's push side reads pending entries for sending, which is another
matter). Counts come from the ``(state, seq)`` index, grouped in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, select
from sqlmodel import SQLModel

from fieldkit.store.store import Store
from fieldkit.store.tables import OutboxEntry, OutboxState

__all__ = ["OutboxStatus", "RejectedChange", "outbox_status", "rejected_entries"]

_OUTBOX: Table = SQLModel.metadata.tables[str(OutboxEntry.__tablename__)]

REJECTED_SHOWN = 200
"""At most this many rejected changes are listed (all are counted)."""


@dataclass(frozen=True)
class RejectedChange:
    """A local change HQ refused: its sequence, table, a short description and the reason."""

    seq: int
    table: str
    row_id: str
    what: str
    reason: str
    person: str = ""
    """The person the change is about, as "name (code)"; empty when none."""


@dataclass(frozen=True)
class OutboxStatus:
    """Changes waiting per table, the rejected count and the first rejected changes."""

    pending_by_table: dict[str, int] = field(default_factory=dict)
    rejected_count: int = 0
    rejected: tuple[RejectedChange, ...] = ()

    @property
    def pending(self) -> int:
        """All changes waiting to be sent."""
        return sum(self.pending_by_table.values())


def _brief(data: str) -> str:
    """A few words naming the changed record: its name, code, date or kind."""
    try:
        fields = json.loads(data)
    except ValueError:
        return data[:40]
    if not isinstance(fields, dict):
        return data[:40]
    for key in ("name", "code", "visited_at", "held_on", "kind"):
        if key in fields:
            return str(fields[key])
    return ", ".join(sorted(fields))[:40]


_PERSON_ROWS = ("person_event", "visit", "consultation")
"""Tables whose rows belong to a person through ``person_id``."""


def _person_of(conn: Connection, tbl: str, row_id: str) -> str:
    """The person a change is about, "name (code)", as the store holds them now."""
    person = SQLModel.metadata.tables["person"]
    person_id: object = row_id if tbl == "person" else None
    if tbl in _PERSON_ROWS:
        table = SQLModel.metadata.tables[tbl]
        person_id = conn.execute(
            select(table.c.person_id).where(table.c.id == row_id)
        ).scalar_one_or_none()
    if person_id is None:
        return ""
    found = conn.execute(
        select(person.c.name, person.c.code).where(person.c.id == person_id)
    ).first()
    if found is None:
        return ""
    return f"{found.name} ({found.code})"


def outbox_status(store: Store, *, limit: int = REJECTED_SHOWN) -> OutboxStatus:
    """Pending changes counted per table, and the oldest ``limit`` rejected changes."""
    o = _OUTBOX.c
    with store.engine.connect() as conn:
        pending = {
            str(tbl): int(n)
            for tbl, n in conn.execute(
                select(o.tbl, func.count()).where(o.state == OutboxState.PENDING).group_by(o.tbl)
            )
        }
        rejected_count = int(
            conn.execute(
                select(func.count()).select_from(_OUTBOX).where(o.state == OutboxState.REJECTED)
            ).scalar_one()
        )
        rows = conn.execute(
            select(o.seq, o.tbl, o.row_id, o.data, o.reason)
            .where(o.state == OutboxState.REJECTED)
            .order_by(o.seq)
            .limit(limit)
        ).all()
        rejected = tuple(
            RejectedChange(
                int(seq),
                str(tbl),
                str(row_id),
                _brief(str(data)),
                str(reason),
                _person_of(conn, str(tbl), str(row_id)),
            )
            for seq, tbl, row_id, data, reason in rows
        )
    return OutboxStatus(pending, rejected_count, rejected)


def rejected_entries(store: Store) -> list[OutboxEntry]:
    """Every local change HQ rejected, as outbox rows with their reasons, oldest first."""
    o = _OUTBOX.c
    with store.read() as s:
        found = list(
            s.scalars(select(OutboxEntry).where(o.state == OutboxState.REJECTED).order_by(o.seq))
        )
        s.expunge_all()
        return found
