"""Applying a pushed batch: exactly-once, per-field last-writer-wins, conflicts.

All of a push happens in one transaction that first takes the next revision from
the counter row (its row lock orders revisions by commit on PostgreSQL). Each
change gets a verdict; the device's watermark advances in the same transaction,
so a replayed batch is answered ``duplicate`` (or its stored rejection) and
changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)

from sync.hlc import parse_ts
from sync.protocol import Verdict, VerdictStatus
from sync.schema import FieldError, SyncSchema, TableSpec
from sync.server import tables as t
from sync.server.auth import Device, utcnow

ALL_FIELDS = "*"
"""Key of the clock shared by every field without its own entry (set when a row is new)."""

__all__ = [
    "ALL_FIELDS",
    "ChangeLike",
    "DeviceRevoked",
    "PushOutcome",
    "apply_push",
    "backfill_parents",
    "next_rev",
    "upsert",
]


class DeviceRevoked(Exception):
    """The device was revoked while its request was on the way."""


class ChangeLike(Protocol):
    """What :func:`apply_push` reads of a change (:class:`sync.protocol.Change` fits)."""

    @property
    def seq(self) -> int: ...
    @property
    def tbl(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def hlc(self) -> str: ...
    @property
    def seen_rev(self) -> int: ...


_APPLIED: VerdictStatus = "applied"
_VERDICT_JSON = {
    status: f',"status":"{status}","reason":""}}' for status in ("applied", "duplicate", "conflict")
}


@dataclass
class PushOutcome:
    """Verdicts of a push (``(seq, status, reason)``), its revision and the new watermark."""

    results: list[tuple[int, VerdictStatus, str]]
    rev: int
    watermark: int

    @property
    def verdicts(self) -> list[Verdict]:
        """The verdicts as protocol models."""
        return [Verdict(seq=q, status=st, reason=why) for q, st, why in self.results]

    def reply_json(self) -> str:
        """The :class:`sync.protocol.PushReply` as JSON text (built directly, for speed)."""
        fixed = _VERDICT_JSON
        dumps = json.dumps
        parts = [
            f'{{"seq":{q}{fixed[st]}'
            if not why and st in fixed
            else f'{{"seq":{q},"status":{dumps(st)},"reason":{dumps(why, ensure_ascii=False)}}}'
            for q, st, why in self.results
        ]
        return f'{{"verdicts":[{",".join(parts)}],"rev":{self.rev},"watermark":{self.watermark}}}'


@dataclass
class _Rec:
    scope: str
    data: dict[str, Any]
    clocks: dict[str, list[Any]]
    deleted: bool
    new: bool
    dirty: bool = False
    old_scope: str | None = None
    moved_from: set[str] = field(default_factory=set)
    written: bool = False


def next_rev(conn: Connection) -> int:
    """Take the next revision (locks the counter row until the transaction ends)."""
    rev = conn.execute(
        update(t.server_state)
        .where(t.server_state.c.id == 1)
        .values(rev=t.server_state.c.rev + 1)
        .returning(t.server_state.c.rev)
    ).scalar_one()
    return int(rev)


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert ``rows``, updating the non-key columns of rows that exist."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    stmt: Any = (
        postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    )
    cols = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
    )
    conn.execute(stmt, rows)


_LOAD_SQL = {
    # the ids travel as ONE JSON text parameter: cheap to send, unpacked by the database
    "postgresql": (
        "SELECT id, scope, data, clocks, deleted FROM {table} WHERE tbl = :tbl "
        "AND id IN (SELECT json_array_elements_text(CAST(:ids AS json)))"
    ),
    "sqlite": (
        "SELECT id, scope, data, clocks, deleted FROM {table} WHERE tbl = :tbl "
        "AND id IN (SELECT value FROM json_each(:ids))"
    ),
}


def _load(conn: Connection, wanted: dict[str, list[str]]) -> dict[tuple[str, str], _Rec]:
    """The stored records among ``wanted`` ids, per table (absent ones are new)."""
    found: dict[tuple[str, str], _Rec] = {}
    sql = text(_LOAD_SQL.get(conn.dialect.name, _LOAD_SQL["sqlite"]).format(table=t.record.name))
    loads = orjson.loads
    for tbl, ids in wanted.items():
        for start in range(0, len(ids), 20_000):
            chunk = orjson.dumps(ids[start : start + 20_000]).decode()
            for row in conn.execute(sql, {"tbl": tbl, "ids": chunk}):
                found[(tbl, row.id)] = _Rec(
                    scope=row.scope,
                    data=loads(row.data),
                    clocks=loads(row.clocks),
                    deleted=bool(row.deleted),
                    new=False,
                    old_scope=row.scope,
                )
    return found


def _ids_param(ids: Iterable[str]) -> str:
    return orjson.dumps(sorted(set(ids))).decode()


_SCOPES_SQL = {
    "postgresql": (
        "SELECT id, scope FROM {table} WHERE tbl = :tbl "
        "AND id IN (SELECT json_array_elements_text(CAST(:ids AS json)))"
    ),
    "sqlite": (
        "SELECT id, scope FROM {table} WHERE tbl = :tbl "
        "AND id IN (SELECT value FROM json_each(:ids))"
    ),
}


def _parent_scopes(
    conn: Connection, schema: SyncSchema, changes: Sequence[ChangeLike], watermark: int
) -> dict[tuple[str, str], str]:
    """The stored scope of every parent row the new changes of child tables name."""
    wanted: dict[str, set[str]] = {}
    for c in changes:
        spec = schema.table(c.tbl) if c.seq > watermark else None
        if spec is None or spec.scope_parent is None:
            continue
        parent_id = c.data.get(spec.scope_parent[0]) if type(c.data) is dict else None
        if isinstance(parent_id, str):
            wanted.setdefault(spec.scope_parent[1], set()).add(parent_id)
    sql = text(
        _SCOPES_SQL.get(conn.dialect.name, _SCOPES_SQL["sqlite"]).format(table=t.record.name)
    )
    found: dict[tuple[str, str], str] = {}
    for tbl, ids in wanted.items():
        for row in conn.execute(sql, {"tbl": tbl, "ids": _ids_param(ids)}):
            found[(tbl, row.id)] = row.scope
    return found


_CHILDREN_SQL = {
    "postgresql": (
        "SELECT id, scope, data, clocks, deleted FROM {table} WHERE tbl = :tbl "
        "AND parent IN (SELECT json_array_elements_text(CAST(:ids AS json)))"
    ),
    "sqlite": (
        "SELECT id, scope, data, clocks, deleted FROM {table} WHERE tbl = :tbl "
        "AND parent IN (SELECT value FROM json_each(:ids))"
    ),
}


def _carry_children(
    conn: Connection, schema: SyncSchema, recs: dict[tuple[str, str], _Rec]
) -> None:
    """Children follow parents this push moved (or made): same scope, same transaction.

    Tables are visited parents first, so a moved child that is itself a parent
    carries its own children along too. A child's scope field takes the clock of
    the parent's scope field; devices of the old scope get an exit.
    """
    sql = text(
        _CHILDREN_SQL.get(conn.dialect.name, _CHILDREN_SQL["sqlite"]).format(table=t.record.name)
    )
    for parent_spec in schema.tables:
        kids = schema.children(parent_spec.name)
        if not kids:
            continue
        moved = {
            row_id: rec
            for (tbl, row_id), rec in recs.items()
            if tbl == parent_spec.name and rec.scope != rec.old_scope
        }
        if not moved:
            continue
        for spec in kids:
            assert spec.scope_parent is not None and spec.scope_field is not None
            link = spec.scope_parent[0]
            for row in conn.execute(sql, {"tbl": spec.name, "ids": _ids_param(moved)}):
                if (spec.name, row.id) not in recs:
                    recs[(spec.name, row.id)] = _Rec(
                        scope=row.scope,
                        data=orjson.loads(row.data),
                        clocks=orjson.loads(row.clocks),
                        deleted=bool(row.deleted),
                        new=False,
                        old_scope=row.scope,
                    )
            for (tbl, _row_id), rec in recs.items():
                parent_id = rec.data.get(link) if tbl == spec.name else None
                parent = moved.get(parent_id) if isinstance(parent_id, str) else None
                if parent is None or parent.scope == rec.scope:
                    continue
                field_name = parent_spec.scope_field
                clock = parent.clocks.get(field_name or "", parent.clocks.get(ALL_FIELDS))
                rec.moved_from.add(rec.scope)
                rec.scope = parent.scope
                rec.data[spec.scope_field] = parent.scope
                if clock is not None:
                    rec.clocks[spec.scope_field] = list(clock)
                rec.dirty = True


def _exits(recs: dict[tuple[str, str], _Rec], rev: int) -> list[dict[str, Any]]:
    """Exit items for every scope a record left: where it was stored, or was claimed."""
    out: list[dict[str, Any]] = []
    for (tbl, row_id), rec in recs.items():
        if not rec.moved_from and rec.old_scope in (None, rec.scope):
            continue
        left = set(rec.moved_from)
        if rec.old_scope is not None:
            left.add(rec.old_scope)
        left.discard(rec.scope)
        out.extend({"tbl": tbl, "id": row_id, "scope": scope, "rev": rev} for scope in left)
    return out


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


def _stored_rejections(conn: Connection, device_id: str, seqs: Iterable[int]) -> dict[int, str]:
    seq_list = sorted(seqs)
    out: dict[int, str] = {}
    for start in range(0, len(seq_list), 500):
        rows = conn.execute(
            select(t.rejection.c.seq, t.rejection.c.reason).where(
                t.rejection.c.device_id == device_id,
                t.rejection.c.seq.in_(seq_list[start : start + 500]),
            )
        )
        out.update({int(row.seq): row.reason for row in rows})
    return out


def _fmt_drift(ms: int) -> str:
    minutes = ms / 60_000
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    days = minutes / 1440
    return f"{days:.0f} days" if days < 730 else f"{days / 365:.0f} years"


def apply_push(
    conn: Connection,
    schema: SyncSchema,
    dev: Device,
    changes: Sequence[ChangeLike],
    *,
    max_drift_ms: int,
    now_ms: int,
) -> PushOutcome:
    """Apply ``changes`` (in seq order) inside the caller's write transaction."""
    rev = next_rev(conn)
    row = conn.execute(
        select(t.device.c.watermark, t.device.c.revoked_at).where(t.device.c.id == dev.id)
    ).one()
    if row.revoked_at is not None:
        raise DeviceRevoked(dev.id)
    watermark = int(row.watermark)
    now = utcnow()

    replays = [c.seq for c in changes if c.seq <= watermark]
    stored = _stored_rejections(conn, dev.id, replays) if replays else {}
    wanted: dict[str, list[str]] = {}
    for c in changes:
        if c.seq > watermark and schema.table(c.tbl) is not None:
            wanted.setdefault(c.tbl, []).append(c.id)
    recs = _load(conn, wanted)
    parent_scopes = _parent_scopes(conn, schema, changes, watermark)
    # keys changed more than once here, and all keys changed: a new record is final
    # (and can be written at once) when nothing later in the batch can change it
    touched: set[tuple[str, str]] = set()
    repeated: set[tuple[str, str]] = set()
    for tbl, ids in wanted.items():
        for row_id in ids:
            k = (tbl, row_id)
            if k in touched:
                repeated.add(k)
            touched.add(k)

    def final(spec: TableSpec, key: tuple[str, str], rec: _Rec) -> bool:
        if key in repeated:
            return False
        if spec.scope_parent is None:
            return True
        link, parent_tbl = spec.scope_parent
        parent_id = rec.data.get(link)
        return not isinstance(parent_id, str) or (parent_tbl, parent_id) not in touched

    def follow(spec: TableSpec, rec: _Rec, clock: list[Any]) -> None:
        """Put a child row where its parent is (the parent as of this change)."""
        assert spec.scope_parent is not None and spec.scope_field is not None
        link, parent_tbl = spec.scope_parent
        parent_id = rec.data.get(link)
        if not isinstance(parent_id, str):
            return
        parent = recs.get((parent_tbl, parent_id))
        scope = parent.scope if parent is not None else parent_scopes.get((parent_tbl, parent_id))
        if scope is None or scope == rec.scope:
            return
        rec.moved_from.add(rec.scope)
        rec.scope = scope
        rec.data[spec.scope_field] = scope
        rec.clocks[spec.scope_field] = clock
        rec.dirty = True

    results: list[tuple[int, VerdictStatus, str]] = []
    rejections: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    high = watermark
    dev_id = dev.id
    node_at = -len(dev_id) - 1
    latest_ms = now_ms + max_drift_ms

    def reject(c: ChangeLike, reason: str) -> None:
        results.append((c.seq, "rejected", reason))
        rejections.append(
            {
                "device_id": dev_id,
                "seq": c.seq,
                "tbl": c.tbl[:64],
                "row_id": c.id,
                "reason": reason,
                "created_at": now,
            }
        )

    with _NewRecords(conn, schema, rev) as fresh:
        for c in changes:
            seq = c.seq
            if seq <= watermark:
                if seq in stored:
                    results.append((seq, "rejected", stored[seq]))
                else:
                    results.append((seq, "duplicate", ""))
                continue
            if seq <= high:
                reject(c, f"change {seq} came after change {high} in the same batch (out of order)")
                continue
            high = seq
            spec = schema.table(c.tbl)
            if spec is None:
                reject(c, f"headquarters does not sync a table named {c.tbl!r}")
                continue
            hlc = c.hlc
            # the usual clock: "wallms-counter-<this device>" (parsed in full otherwise)
            if hlc[node_at:] == "-" + dev_id and len(hlc) == 20 + len(dev_id) and hlc[13] == "-":
                wall_text = hlc[:13]
                wall_ms = int(wall_text) if wall_text.isdecimal() and hlc[14:19].isdecimal() else -1
            else:
                wall_ms = -1
            if wall_ms < 0:
                try:
                    ts = parse_ts(hlc)
                except ValueError:
                    reject(c, f"malformed clock {hlc!r}")
                    continue
                if ts.node != dev_id:
                    reject(c, "the change's clock names another device")
                    continue
                wall_ms = ts.wall_ms
            if wall_ms > latest_ms:
                reject(
                    c,
                    f"this laptop's clock was {_fmt_drift(wall_ms - now_ms)} ahead of "
                    "headquarters when the change was made; set the laptop's date and time "
                    "correctly and make the change again",
                )
                continue
            data = c.data
            try:
                spec.check(data)
            except FieldError as err:
                reject(c, str(err))
                continue
            key = (c.tbl, c.id)
            rec = recs.get(key)
            if rec is None:
                # a new row: every field carries this change's clock (one shared entry)
                new_scope = c.id if spec.scope_field is None else spec.scope_of(c.id, data)
                if new_scope is None:
                    reject(c, f"new {c.tbl} row {c.id} has no {spec.scope_field}")
                    continue
                if not dev.may_touch(new_scope):
                    reject(c, f"{c.tbl} {c.id}: {new_scope} is not one of {dev.user}'s sites")
                    continue
                rec = recs[key] = _Rec(
                    scope=new_scope,
                    data=data,
                    clocks={ALL_FIELDS: [hlc, rev, dev_id]},
                    deleted=bool(data.get(spec.delete_field, False)),
                    new=True,
                    dirty=True,
                )
                if spec.scope_parent is not None:
                    follow(spec, rec, [hlc, rev, dev_id])
                if final(spec, key, rec):
                    fresh.add(c.tbl, c.id, rec)
                    rec.written = True
                results.append((seq, _APPLIED, ""))
                continue
            if dev.role in spec.hidden:
                data = {k: v for k, v in data.items() if k not in spec.hidden[dev.role]}
            new_scope = spec.scope_of(c.id, data) if spec.scope_field in data else None
            if not dev.may_touch(rec.scope):
                reject(c, f"{c.tbl} {c.id} belongs to {rec.scope}, not one of {dev.user}'s sites")
                continue
            if new_scope is not None and not dev.may_touch(new_scope):
                reject(c, f"{c.tbl} {c.id}: {new_scope} is not one of {dev.user}'s sites")
                continue
            conflicted = _merge_fields(rec, data, c, rev, dev_id, conflicts)
            rec.scope = spec.scope_of(c.id, rec.data) or rec.scope
            rec.deleted = bool(rec.data.get(spec.delete_field, False))
            if spec.scope_parent is not None:
                follow(spec, rec, [hlc, rev, dev_id])
            results.append((seq, "conflict" if conflicted else _APPLIED, ""))
        fresh.close()

    _carry_children(conn, schema, recs)
    exits = _exits(recs, rev)
    _write(conn, recs, rev, schema)
    if exits:
        upsert(conn, t.exit_, exits, ["tbl", "id", "scope"])
    if rejections:
        conn.execute(insert(t.rejection), rejections)
    if conflicts:
        conn.execute(insert(t.conflict), conflicts)
    conn.execute(
        update(t.device)
        .where(t.device.c.id == dev_id)
        .values(watermark=max(high, watermark), last_push_at=now)
    )
    return PushOutcome(results=results, rev=rev, watermark=max(high, watermark))


def _merge_fields(
    rec: _Rec,
    data: dict[str, Any],
    c: ChangeLike,
    rev: int,
    device_id: str,
    conflicts: list[dict[str, Any]],
) -> bool:
    """Per-field last-writer-wins; records a conflict for concurrent different values."""
    conflicted = False
    shared = rec.clocks.get(ALL_FIELDS)
    now = utcnow()
    for name, value in data.items():
        clock = rec.clocks.get(name, shared)
        if clock is not None:
            old_hlc, old_rev, old_dev = clock[0], int(clock[1]), clock[2]
            old_value = rec.data.get(name)
            if old_rev > c.seen_rev and old_dev != device_id and old_value != value:
                conflicted = True
                mine_wins = c.hlc > old_hlc
                win = (value, c.hlc, device_id) if mine_wins else (old_value, old_hlc, old_dev)
                lose = (old_value, old_hlc, old_dev) if mine_wins else (value, c.hlc, device_id)
                conflicts.append(
                    {
                        "tbl": c.tbl,
                        "row_id": c.id,
                        "scope": rec.scope,
                        "field": name,
                        "winner_value": json.dumps(win[0], ensure_ascii=False),
                        "winner_hlc": win[1],
                        "winner_device": win[2],
                        "loser_value": json.dumps(lose[0], ensure_ascii=False),
                        "loser_hlc": lose[1],
                        "loser_device": lose[2],
                        "rev": rev,
                        "created_at": now,
                    }
                )
            if c.hlc <= old_hlc:
                continue
        rec.data[name] = value
        rec.clocks[name] = [c.hlc, rev, device_id]
        rec.dirty = True
    return conflicted


_RECORD_COLS = ("tbl", "id", "scope", "data", "clocks", "deleted", "rev", "parent")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """``value`` escaped for PostgreSQL's COPY text format (``\\N`` for None)."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class _NewRecords:
    """Writes new records: on PostgreSQL one COPY streamed in chunks, so the database
    inserts the first rows while the rest of the batch is still being merged; elsewhere
    one executemany at :meth:`close`. Use as a context manager and call :meth:`close`
    before the connection runs anything else.
    """

    CHUNK = 500

    def __init__(self, conn: Connection, schema: SyncSchema, rev: int) -> None:
        self.conn = conn
        self.rev = rev
        self.links = {s.name: s.scope_parent[0] for s in schema.tables if s.scope_parent}
        self.pg = conn.dialect.name == "postgresql"
        self.lines: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self._stack = ExitStack()
        self._copy: Any = None
        self._heads: dict[tuple[str, str], tuple[str, str]] = {}

    def __enter__(self) -> _NewRecords:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    def add(self, tbl: str, row_id: str, rec: _Rec) -> None:
        """Queue a new record in its final state."""
        link = self.links.get(tbl)
        parent = rec.data.get(link) if link is not None else None
        parent = parent if isinstance(parent, str) else None
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


def _write(
    conn: Connection, recs: dict[tuple[str, str], _Rec], rev: int, schema: SyncSchema
) -> None:
    links = {s.name: s.scope_parent[0] for s in schema.tables if s.scope_parent is not None}
    old_rows: list[dict[str, Any]] = []
    dumps = orjson.dumps
    with _NewRecords(conn, schema, rev) as fresh:
        for (tbl, row_id), rec in recs.items():
            if rec.written or (not rec.dirty and rec.scope == rec.old_scope):
                continue
            if rec.new:
                fresh.add(tbl, row_id, rec)
                continue
            link = links.get(tbl)
            parent = rec.data.get(link) if link is not None else None
            old_rows.append(
                {
                    "k_tbl": tbl,
                    "k_id": row_id,
                    "scope": rec.scope,
                    "data": dumps(rec.data).decode(),
                    "clocks": dumps(rec.clocks).decode(),
                    "deleted": rec.deleted,
                    "rev": rev,
                    "parent": parent if isinstance(parent, str) else None,
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
