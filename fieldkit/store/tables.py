"""Tables that live only in a laptop's store: the outbox, local settings, conflict markers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from fieldkit.domain.models import record_id_field

__all__ = ["ConflictMarker", "LocalMeta", "OutboxEntry", "OutboxState"]


class OutboxState:
    """Life of an outbox entry: pending until HQ gives a verdict."""

    PENDING = "pending"
    SYNCED = "synced"
    REJECTED = "rejected"


class OutboxEntry(SQLModel, table=True):
    """One change that must reach headquarters, written in the change's own transaction.

    ``seq`` is the device's change sequence; ``data`` holds the changed fields as
    JSON (wire form); ``hlc`` is the change's hybrid logical clock; ``seen_rev``
    is the server revision this device had pulled when the change was made, which
    lets HQ tell a concurrent edit from a later one.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    tbl: str
    row_id: str = record_id_field()
    data: str = Field(sa_column=Column(Text, nullable=False))
    hlc: str
    seen_rev: int = 0
    state: str = Field(default=OutboxState.PENDING)
    reason: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    synced_at: datetime | None = None


class LocalMeta(SQLModel, table=True):
    """Key/value settings of this store: device id, clock, server, cursor..."""

    __tablename__ = "local_meta"

    key: str = Field(primary_key=True)
    value: str = Field(default="", sa_column=Column(Text, nullable=False))


class ConflictMarker(SQLModel, table=True):
    """A conflict HQ recorded on a row this laptop holds (migration 0002).

    ``resolved`` is set when HQ resolved it or when a value was picked on this
    laptop (:func:`fieldkit.store.conflicts.pick_value`); it is never unset.
    """

    __tablename__ = "sync_conflict_marker"
    __table_args__ = (Index("ix_sync_conflict_marker_row", "row_id", "resolved"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    tbl: str
    row_id: str = record_id_field()
    field: str
    winner_value: str = Field(sa_column=Column(Text, nullable=False))
    winner_device: str
    loser_value: str = Field(sa_column=Column(Text, nullable=False))
    loser_device: str
    created_at: str
    resolved: bool = False
