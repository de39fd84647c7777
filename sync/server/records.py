"""Reading the stored records a write touches, and the revision counter.

Records live in ``sync_record`` (see :mod:`sync.server.tables`); a write loads
the rows it changes as :class:`StoredRecord` objects, changes them in memory and
writes them back (:mod:`sync.server.writer`). Ids travel to the database as ONE
JSON text parameter, unpacked there: cheap to send for thousands of ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, TextClause, text, update

from sync.schema import SyncSchema
from sync.server import tables as t

__all__ = [
    "ALL_FIELDS",
    "Key",
    "StoredRecord",
    "backfill_parents",
    "load_children",
    "load_exits",
    "load_records",
    "load_scopes",
    "next_rev",
    "upsert",
]

ALL_FIELDS = "*"
"""Key of the clock shared by every field without its own entry (set when a row is new)."""

_ID_LIST = {
    "postgresql": "SELECT json_array_elements_text(CAST(:ids AS json))",
    "sqlite": "SELECT value FROM json_each(:ids)",
}
_ROW_COLUMNS = "id, scope, data, clocks, deleted"


@dataclass(slots=True)
class StoredRecord:
    """A record as one write sees it: stored values and clocks, and what this write did.

    ``clocks`` maps a field (or :data:`ALL_FIELDS`) to ``[hlc, rev, node]``.
    ``old_scope`` is the scope it was stored under (None for a new record);
    ``moved_from`` the scopes it passed through in this write; ``written`` says
    it was already handed to the writer.
    """

    scope: str
    data: dict[str, Any]
    clocks: dict[str, list[Any]]
    deleted: bool
    new: bool
    dirty: bool = False
    old_scope: str | None = None
    moved_from: set[str] = field(default_factory=set)
    written: bool = False

    @classmethod
    def from_row(cls, row: Any) -> StoredRecord:
        """A record from a ``sync_record`` row (id, scope, data, clocks, deleted)."""
        return cls(
            scope=row.scope,
            data=orjson.loads(row.data),
            clocks=orjson.loads(row.clocks),
            deleted=bool(row.deleted),
            new=False,
            old_scope=row.scope,
        )


Key = tuple[str, str]
"""(table, id) of a record."""


def next_rev(conn: Connection) -> int:
    """Take the next revision (locks the counter row until the transaction ends) and
    note when it was taken (``sync_revision``: when the write reached HQ)."""
    rev = conn.execute(
        update(t.server_state)
        .where(t.server_state.c.id == 1)
        .values(rev=t.server_state.c.rev + 1)
        .returning(t.server_state.c.rev)
    ).scalar_one()
    upsert(conn, t.revision, [{"rev": rev, "at": datetime.now(UTC)}], ["rev"])
    return int(rev)


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An ``INSERT`` into ``table`` in ``conn``'s dialect, which can take an
    ``on_conflict_do_update`` (PostgreSQL or SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert ``rows``, updating the non-key columns of rows that exist."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    cols = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
    )
    conn.execute(stmt, rows)


def _select_where(
    conn: Connection, columns: str, column: str, table: Table = t.record
) -> TextClause:
    """``SELECT columns FROM table WHERE tbl = :tbl AND column IN (:ids as JSON)``."""
    ids = _ID_LIST.get(conn.dialect.name, _ID_LIST["sqlite"])
    return text(f"SELECT {columns} FROM {table.name} WHERE tbl = :tbl AND {column} IN ({ids})")


def _ids_param(ids: Iterable[str]) -> str:
    return orjson.dumps(sorted(set(ids))).decode()


def load_records(conn: Connection, wanted: dict[str, list[str]]) -> dict[Key, StoredRecord]:
    """The stored records among ``wanted`` ids, per table (absent ones are new)."""
    found: dict[Key, StoredRecord] = {}
    sql = _select_where(conn, _ROW_COLUMNS, "id")
    for tbl, ids in wanted.items():
        for start in range(0, len(ids), 20_000):
            chunk = orjson.dumps(ids[start : start + 20_000]).decode()
            for row in conn.execute(sql, {"tbl": tbl, "ids": chunk}):
                found[(tbl, row.id)] = StoredRecord.from_row(row)
    return found


def load_scopes(conn: Connection, wanted: dict[str, set[str]]) -> dict[Key, str]:
    """The stored scope of each of the ``wanted`` ids, per table."""
    sql = _select_where(conn, "id, scope", "id")
    found: dict[Key, str] = {}
    for tbl, ids in wanted.items():
        for row in conn.execute(sql, {"tbl": tbl, "ids": _ids_param(ids)}):
            found[(tbl, row.id)] = row.scope
    return found


def load_exits(conn: Connection, wanted: dict[str, set[str]]) -> dict[Key, list[tuple[str, int]]]:
    """The scopes each of the ``wanted`` ids left, with the revision it last left them."""
    sql = _select_where(conn, "id, scope, rev", "id", t.exit_)
    found: dict[Key, list[tuple[str, int]]] = {}
    for tbl, ids in wanted.items():
        for row in conn.execute(sql, {"tbl": tbl, "ids": _ids_param(ids)}):
            found.setdefault((tbl, row.id), []).append((row.scope, int(row.rev)))
    return found


def load_children(conn: Connection, tbl: str, parent_ids: Iterable[str]) -> dict[str, StoredRecord]:
    """The stored records of table ``tbl`` whose scope parent is one of ``parent_ids``."""
    sql = _select_where(conn, _ROW_COLUMNS, "parent")
    rows = conn.execute(sql, {"tbl": tbl, "ids": _ids_param(parent_ids)})
    return {row.id: StoredRecord.from_row(row) for row in rows}


_BACKFILL_SQL = {
    "postgresql": "UPDATE {table} SET parent = CAST(data AS json) ->> :link "
    "WHERE tbl = :tbl AND parent IS NULL",
    "sqlite": "UPDATE {table} SET parent = json_extract(data, '$.' || :link) "
    "WHERE tbl = :tbl AND parent IS NULL",
}


def backfill_parents(conn: Connection, schema: SyncSchema) -> None:
    """Fill ``sync_record.parent`` of child rows stored before it existed (or without one)."""
    sql = text(
        _BACKFILL_SQL.get(conn.dialect.name, _BACKFILL_SQL["sqlite"]).format(table=t.record.name)
    )
    for spec in schema.tables:
        if spec.scope_parent is not None:
            conn.execute(sql, {"tbl": spec.name, "link": spec.scope_parent[0]})
