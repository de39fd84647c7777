"""Records as an HQ database holds them, read straight from ``sync_record``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from sync.server import tables as t

__all__ = ["HqRecord", "hq_record"]


@dataclass(frozen=True)
class HqRecord:
    """One stored record: its scope key, values, per-field clocks, tombstone and revision."""

    scope: str
    data: dict[str, Any]
    clocks: dict[str, list[Any]]
    deleted: bool
    rev: int


def hq_record(engine: Engine, tbl: str, row_id: str) -> HqRecord | None:
    """The record ``tbl``/``row_id`` at HQ, or None when HQ does not hold it."""
    r = t.record.c
    with engine.connect() as conn:
        row = conn.execute(
            select(r.scope, r.data, r.clocks, r.deleted, r.rev).where(r.tbl == tbl, r.id == row_id)
        ).first()
    if row is None:
        return None
    return HqRecord(
        scope=row.scope,
        data=json.loads(row.data),
        clocks=json.loads(row.clocks),
        deleted=bool(row.deleted),
        rev=int(row.rev),
    )
