"""Writing merged records back: new ones inserted (streamed on PostgreSQL), others updated."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, update

from sync.schema import SyncSchema
from sync.server import tables as t
from sync.server.records import Key, StoredRecord

__all__ = ["NewRecords", "write_records"]

_RECORD_COLS = ("tbl", "id", "scope", "data", "clocks", "deleted", "rev", "parent")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """``value`` escaped for PostgreSQL's COPY text format (``\\N`` for None)."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _links(schema: SyncSchema) -> dict[str, str]:
    """Table -> the field naming its scope parent, for tables that have one."""
    return {s.name: s.scope_parent[0] for s in schema.tables if s.scope_parent is not None}


def _parent_of(links: dict[str, str], tbl: str, rec: StoredRecord) -> str | None:
    """The id of the record's scope parent, if its table has one and the value is an id."""
    link = links.get(tbl)
    parent = rec.data.get(link) if link is not None else None
    return parent if isinstance(parent, str) else None


class NewRecords:
    """Writes new records: on PostgreSQL one COPY streamed in chunks, so the database
    inserts the first rows while the rest of the batch is still being merged; elsewhere
    one executemany at :meth:`close`. Use as a context manager and call :meth:`close`
    before the connection runs anything else.
    """

    CHUNK = 500

    def __init__(self, conn: Connection, schema: SyncSchema, rev: int) -> None:
        self.conn = conn
        self.rev = rev
        self.links = _links(schema)
        self.pg = conn.dialect.name == "postgresql"
        self.lines: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self._stack = ExitStack()
        self._copy: Any = None
        self._heads: dict[tuple[str, str], tuple[str, str]] = {}

    def __enter__(self) -> NewRecords:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    def add(self, tbl: str, row_id: str, rec: StoredRecord) -> None:
        """Queue a new record in its final state."""
        parent = _parent_of(self.links, tbl, rec)
        data = orjson.dumps(rec.data).decode()
        clocks = orjson.dumps(rec.clocks).decode()
        if not self.pg:
            self.rows.append(
                {
                    "tbl": tbl,
                    "id": row_id,
                    "scope": rec.scope,
                    "data": data,
                    "clocks": clocks,
                    "deleted": rec.deleted,
                    "rev": self.rev,
                    "parent": parent,
                }
            )
            return
        esc = _copy_text
        parts = self._heads.get((tbl, rec.scope))
        if parts is None:
            parts = self._heads[(tbl, rec.scope)] = (f"{esc(tbl)}\t", f"\t{esc(rec.scope)}\t")
        self.lines.append(
            f"{parts[0]}{esc(row_id)}{parts[1]}{esc(data)}\t{esc(clocks)}\t"
            f"{'t' if rec.deleted else 'f'}\t{self.rev}\t{esc(parent)}\n"
        )
        if len(self.lines) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self.lines:
            return
        if self._copy is None:
            raw: Any = self.conn.connection.driver_connection
            cur = self._stack.enter_context(raw.cursor())
            self._copy = self._stack.enter_context(
                cur.copy(f"COPY {t.record.name} ({', '.join(_RECORD_COLS)}) FROM STDIN")
            )
        self._copy.write("".join(self.lines).encode())
        self.lines.clear()

    def close(self) -> None:
        """Write what is queued and end the COPY."""
        if self.pg:
            self._flush()
            self._stack.close()
            self._copy = None
        elif self.rows:
            self.conn.execute(insert(t.record), self.rows)
            self.rows = []


def write_records(
    conn: Connection, schema: SyncSchema, recs: dict[Key, StoredRecord], rev: int
) -> None:
    """Write every record this write changed and did not write yet, stamped with ``rev``."""
    links = _links(schema)
    old_rows: list[dict[str, Any]] = []
    dumps = orjson.dumps
    with NewRecords(conn, schema, rev) as fresh:
        for (tbl, row_id), rec in recs.items():
            if rec.written or (not rec.dirty and rec.scope == rec.old_scope):
                continue
            if rec.new:
                fresh.add(tbl, row_id, rec)
                continue
            old_rows.append(
                {
                    "k_tbl": tbl,
                    "k_id": row_id,
                    "scope": rec.scope,
                    "data": dumps(rec.data).decode(),
                    "clocks": dumps(rec.clocks).decode(),
                    "deleted": rec.deleted,
                    "rev": rev,
                    "parent": _parent_of(links, tbl, rec),
                }
            )
        fresh.close()
    if old_rows:
        r = t.record
        conn.execute(
            update(r)
            .where(r.c.tbl == bindparam("k_tbl"), r.c.id == bindparam("k_id"))
            .values(
                scope=bindparam("scope"),
                data=bindparam("data"),
                clocks=bindparam("clocks"),
                deleted=bindparam("deleted"),
                rev=bindparam("rev"),
                parent=bindparam("parent"),
            ),
            old_rows,
        )
