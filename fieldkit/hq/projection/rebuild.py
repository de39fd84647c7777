"""Rebuilding the projection from ``sync_record`` (after a restore, or a migration that
adds a column): emptied and refilled in one transaction, table by table. The
visits' sums (:mod:`.summary`) are made again from the refilled visits. The report
figures kept per person and their sums are dropped with it (they were made from the
rows replaced); the persons' versions stay, so they never go back to a value a dropped row had."""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, delete, insert, select, text

from fieldkit.hq.projection import summary
from fieldkit.hq.projection.kept import KEEP_LOCK, kept_mark, replay, replay_sum
from fieldkit.hq.projection.rows import PROJECTED, projected_row
from sync.server import tables as sync_tables

__all__ = ["rebuild_projection"]

_BATCH = 5000


def rebuild_projection(conn: Connection) -> dict[str, int]:
    """Empty the projection and fill it from every stored record; rows per synced table."""
    r = sync_tables.record.c
    counts: dict[str, int] = {}
    if conn.dialect.name == "postgresql":  # no report stores kept rows meanwhile
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": KEEP_LOCK})
    conn.execute(delete(replay))
    conn.execute(delete(replay_sum))
    conn.execute(delete(kept_mark))
    for tbl, how in PROJECTED.items():
        conn.execute(delete(how.table))
        counts[tbl] = 0
        batch: list[dict[str, object]] = []
        found = conn.execute(
            select(r.id, r.data, r.deleted).where(r.tbl == tbl).execution_options(yield_per=_BATCH)
        )
        for rec in found:
            row = projected_row(how, rec.id, orjson.loads(rec.data), bool(rec.deleted))
            if row is None:
                continue
            batch.append(row)
            if len(batch) >= _BATCH:
                conn.execute(insert(how.table), batch)
                counts[tbl] += len(batch)
                batch = []
        if batch:
            conn.execute(insert(how.table), batch)
            counts[tbl] += len(batch)
    summary.refill(conn)
    return counts
