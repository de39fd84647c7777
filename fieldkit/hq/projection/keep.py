"""Keeping the projection current: called by the sync server inside every write's transaction.

:func:`keep_current` is the server's ``on_written`` hook
(:class:`sync.server.settings.ServerSettings`): it gets every record a push (or an
HQ write) left behind, children a parent's move carried along included, with
their final values, and upserts their projection rows or removes them (a
tombstone, or a record the projection holds no row for), after raising the
version of every person they touch (:mod:`.kept`), and corrects what the visits add
up to (:mod:`.summary`), then the summaries' copies of the written persons' columns
and their ``never_visited`` marks. It commits or rolls back with
the push, so the projection never lags behind ``sync_record``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete

from fieldkit.hq.projection.kept import bump_versions
from fieldkit.hq.projection.rows import PROJECTED, projected_row
from fieldkit.hq.projection.summary import VisitChanges, copy_persons
from sync.server.records import upsert
from sync.server.settings import WrittenRecord

__all__ = ["keep_current", "remove_rows", "upsert_rows"]

_CHUNK = 1000


def upsert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``, replacing the rows with the same id."""
    for start in range(0, len(rows), _CHUNK * 5):
        upsert(conn, table, rows[start : start + _CHUNK * 5], ["id"])


def remove_rows(conn: Connection, table: Table, ids: Iterable[str]) -> None:
    """Delete the rows of ``table`` with these ids (those absent are ignored)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        conn.execute(delete(table).where(table.c.id.in_(wanted[start : start + _CHUNK])))


def keep_current(conn: Connection, written: Sequence[WrittenRecord]) -> None:
    """Bring the projection rows of the ``written`` records to their final values, and
    raise the versions of the persons they touch (their kept report figures are stale)."""
    bump_versions(conn, written)
    visits = VisitChanges.before(conn, [rec.id for rec in written if rec.tbl == "visit"])
    rows: dict[str, list[dict[str, Any]]] = {}
    gone: dict[str, list[str]] = {}
    for rec in written:
        how = PROJECTED.get(rec.tbl)
        if how is None:
            continue
        row = projected_row(how, rec.id, rec.data, rec.deleted)
        if row is None:
            gone.setdefault(rec.tbl, []).append(rec.id)
        else:
            rows.setdefault(rec.tbl, []).append(row)
    for tbl, ids in gone.items():
        remove_rows(conn, PROJECTED[tbl].table, ids)
    for tbl, found in rows.items():
        upsert_rows(conn, PROJECTED[tbl].table, found)
    for row in rows.get("visit", ()):
        visits.add(row, 1)
    visits.apply(conn)
    copy_persons(conn, (rec.id for rec in written if rec.tbl == "person"))
