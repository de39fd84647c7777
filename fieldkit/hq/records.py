"""Reading fieldkit's synced records at HQ (``sync_record``, values as JSON text)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from sync.server import tables as sync_tables

__all__ = ["HqRecord", "records_of"]


@dataclass(frozen=True)
class HqRecord:
    """One stored record: its id, wire values and tombstone."""

    id: str
    data: dict[str, Any]
    deleted: bool


def records_of(conn: Connection, tbl: str) -> Iterator[HqRecord]:
    """Every stored record of synced table ``tbl`` (tombstones too), in id order."""
    r = sync_tables.record.c
    rows = conn.execute(select(r.id, r.data, r.deleted).where(r.tbl == tbl).order_by(r.id))
    for row in rows:
        yield HqRecord(row.id, orjson.loads(row.data), bool(row.deleted))
