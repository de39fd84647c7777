"""One saved record as the person file shows it read-only: every field, and its trail.

The trail comes from the outbox: when the record was first written here, by which
device (the node of its clock) and whether every change of it has reached HQ. A
record pulled from HQ has no outbox entry: it came from another laptop or HQ. Who
recorded it travels with the record (``recorded_by``); its corrections and its void
are its amendment rows (:mod:`fieldkit.store.amendments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import SQLModel, col, select

from fieldkit.store.amendments import TABLES, Amendment, amendments_of
from fieldkit.store.store import Store
from fieldkit.store.tables import OutboxEntry, OutboxState

__all__ = ["RECORD_TABLES", "RecordView", "record_view"]

RECORD_TABLES: dict[str, type[SQLModel]] = TABLES
"""The timeline's record kinds and their tables."""

_HIDDEN = {"id", "person_id", "site_id", "team_id", "deleted", "recorded_by"}


@dataclass(frozen=True)
class RecordView:
    """A record's fields (name, value, in table order) and where it came from."""

    kind: str
    row_id: str
    fields: tuple[tuple[str, object], ...]
    written_at: datetime | None
    """When this laptop first wrote it (None: it was pulled from HQ)."""
    device: str
    """The device that wrote it here ("" when pulled)."""
    this_laptop: bool
    reached_hq: bool
    """Every change of it was accepted by HQ (a pulled record always has)."""
    recorded_by: str = ""
    """The user who recorded it ("" for a record saved before enrolling or before this
    was kept)."""
    voided: bool = False
    amendments: tuple[Amendment, ...] = ()
    """Its corrections and void, oldest first."""
    own_device: str = ""
    """This laptop's device id (to name an amendment made here)."""


def record_view(store: Store, kind: str, row_id: str) -> RecordView | None:
    """The record ``row_id`` of timeline kind ``kind``, or None when there is none."""
    table = RECORD_TABLES.get(kind)
    if table is None:
        return None
    own_device = store.meta("device_id") or ""
    with store.read() as s:
        row = s.get(table, row_id)
        if row is None:
            return None
        fields = tuple(
            (name, getattr(row, name)) for name in type(row).model_fields if name not in _HIDDEN
        )
        query = (
            select(OutboxEntry)
            .where(OutboxEntry.tbl == table.__tablename__, OutboxEntry.row_id == row_id)
            .order_by(col(OutboxEntry.seq))
        )
        entries = list(s.exec(query))
        first = entries[0] if entries else None
        device = first.hlc.split("-", 2)[-1] if first else ""
        return RecordView(
            kind=kind,
            row_id=row_id,
            fields=fields,
            written_at=first.created_at if first else None,
            device=device,
            this_laptop=bool(device) and device == own_device,
            reached_hq=all(e.state == OutboxState.SYNCED for e in entries),
            recorded_by=getattr(row, "recorded_by", ""),
            voided=bool(getattr(row, "deleted", False)),
            amendments=tuple(amendments_of(s, str(table.__tablename__), row_id)),
            own_device=own_device,
        )
