"""The laptop's side of sync: :class:`StoreReplica` implements ``sync.client.LocalReplica``.

Pulled pages are applied with SQLAlchemy Core upserts on one connection, together
with the cursor, the seen revision and the scope, in ONE transaction: a cut sync
resumes at the last applied page. Pulled rows are not written to the outbox.

A page is committed with ``synchronous=NORMAL`` (WAL): a page lost to a power cut
loses its cursor with it and is pulled again; local saves stay ``FULL``.

Foreign keys are switched off on the connection that applies a page (``PRAGMA
foreign_keys=OFF`` outside the transaction, switched on again afterwards): a page
is ordered by commit revision, not by table, so a pulled child can arrive before
its parent, and a child may point at a parent outside this device's scope (a
consultation of a person of another site). Local edits keep foreign keys on.

A new laptop's first pull of a large scope is a bulk load (:mod:`.bulk_load`): the
secondary indexes and derived data are built once, with the last page.

Conflict markers pulled from HQ are upserted into ``sync_conflict_marker``
(:class:`~fieldkit.store.tables.ConflictMarker`); a marker settled on this laptop
stays settled (see :mod:`fieldkit.store.conflicts`, which the person file reads).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Table,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel

from fieldkit.domain.ids import decode_id, encode_id
from fieldkit.domain.models import SYNCED_TABLES, Person, Site, StoreId
from fieldkit.domain.search_keys import name_keys
from fieldkit.store import bulk_load
from fieldkit.store.conflicts import open_conflicts
from fieldkit.store.outbox import synced_columns
from fieldkit.store.outbox_status import rejected_entries as rejected_changes
from fieldkit.store.store import Store
from fieldkit.store.tables import ConflictMarker, OutboxEntry, OutboxState
from sync.gcpause import gc_paused
from sync.hlc import HLC, Timestamp, format_ts
from sync.protocol import Change, ConflictsReply, PullPage, Verdict
from sync.replica import PageApplied, PushBatch

__all__ = [
    "CODE_CLASH_MARK",
    "ConflictMarker",
    "StoreReplica",
    "open_conflicts",
    "rejected_changes",
]


_PERSON = str(Person.__tablename__)
CODE_CLASH_MARK = "~"
"""Separates a pulled person's code from the id suffix that keeps it unique locally."""


def _dodge_code_clashes(
    conn: Connection, plan: _TablePlan, rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Keep pulled persons whose card code another local person already holds.

    Two laptops offline can give the same code (e.g. ``GL-0042``) to two new persons;
    HQ keeps both. The local store's code index is unique, so the pulled row is
    stored as ``GL-0042~<last 6 of its id>`` here (not sent back) until an admin
    renumbers one of them; the next pull of a renumbered row brings the fix.
    """
    at = plan.columns.index("code") + 1
    # the page's codes as ONE JSON parameter, looked up through the unique code index
    codes = orjson.dumps(list({r[at] for r in rows})).decode()
    taken: dict[str, Any] = dict(
        conn.exec_driver_sql(
            f'SELECT code, id FROM "{plan.table.name}"'
            " WHERE code IN (SELECT value FROM json_each(?))",
            (codes,),
        ).all()
    )
    seen: dict[str, Any] = {}
    out: list[tuple[Any, ...]] = []
    for r in rows:
        code, row_id = r[at], r[0]
        owner = taken.get(code)
        if (owner is not None and owner != row_id) or seen.get(code, row_id) != row_id:
            suffix = decode_id(row_id)[-6:]
            r = (*r[:at], f"{code}{CODE_CLASH_MARK}{suffix}", *r[at + 1 :])
        seen.setdefault(r[at], row_id)
        out.append(r)
    return out


_OUTBOX: Table = SQLModel.metadata.tables[str(OutboxEntry.__tablename__)]
_MARKERS: Table = SQLModel.metadata.tables[str(ConflictMarker.__tablename__)]


_META_READ_KEYS = ("scope_sites", "device_id", "hlc")
_META_READ = (
    f"SELECT key, value FROM local_meta WHERE key IN ({', '.join('?' * len(_META_READ_KEYS))})"
)
_META_WRITE = (
    "INSERT INTO local_meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def _meta_set(conn: Connection, key: str, value: str) -> None:
    """Write one key of local_meta."""
    conn.exec_driver_sql(_META_WRITE, (key, value))


def _observed(page: PullPage, meta: dict[str, str]) -> str:
    """The device's HLC after the receive rule: HQ's wall clock and the page's latest
    field clock merged into it (``meta``: the device id and its last ``hlc``), so a
    local edit made after this page sorts after every value it brought."""
    device = meta.get("device_id") or ""
    clock = HLC(node=device, last=meta.get("hlc") or "")
    if page.server_ms:
        clock.observe(format_ts(Timestamp(page.server_ms, 0, device)))
    if page.clock:
        clock.observe(page.clock)
    return clock.last


Converter = Callable[[Any], Any]


def _datetime_storage(value: Any) -> Any:
    """Wire ISO datetime -> the store's text form ``YYYY-MM-DD HH:MM:SS`` (with
    ``.ffffff`` only for a non-zero fraction: :class:`fieldkit.domain.models.StoreDateTime`)."""
    if value is None:
        return None
    text = str(value).replace("T", " ", 1)
    if len(text) == 19:
        return text
    return datetime.fromisoformat(str(value)).replace(tzinfo=None).isoformat(" ")


def _date_storage(value: Any) -> Any:
    """Wire ISO date -> SQLAlchemy's SQLite text form ``YYYY-MM-DD``."""
    if value is None or (isinstance(value, str) and len(value) == 10):
        return value
    return date.fromisoformat(str(value)).isoformat()


def _converter(column: Any) -> Converter | None:
    if isinstance(column.type, StoreId):
        return encode_id
    if isinstance(column.type, DateTime):
        return _datetime_storage
    if isinstance(column.type, Date):
        return _date_storage
    if isinstance(column.type, Boolean):
        return lambda v: v if v is None else bool(v)
    return None


class _TablePlan:
    """How to turn pulled values into a full local row of one table, in storage form.

    Rows are written with the driver's ``executemany`` (values already in the form
    SQLAlchemy stores on SQLite), which is several times faster than Core's
    parameter processing for the hundreds of thousands of rows of a first pull.
    """

    def __init__(self, model: type[SQLModel]) -> None:
        self.model = model
        self.table: Table = SQLModel.metadata.tables[str(model.__tablename__)]
        self.columns = synced_columns(model)
        self.defaults: dict[str, Any] = {}
        self.convert: list[Converter | None] = []
        for name in self.columns:
            col = self.table.columns[name]
            self.convert.append(_converter(col))
            default = col.default
            if default is not None and getattr(default, "is_scalar", False):
                value = default.arg  # type: ignore[attr-defined]
                self.defaults[name] = value.value if hasattr(value, "value") else value
            elif col.server_default is not None:
                arg = getattr(col.server_default, "arg", "")
                self.defaults[name] = arg if isinstance(arg, str) else ""
            else:
                self.defaults[name] = None
        # None: a table every device holds whatever its sites (card keys)
        self.scope_col = self.table.c.id if model is Site else self.table.c.get("site_id")
        self.is_person = model is Person
        names = ["id", *self.columns] + (
            ["search_full", "search_initials"] if self.is_person else []
        )
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in names[1:])
        quoted = ", ".join(f'"{c}"' for c in names)
        marks = ", ".join("?" * len(names))
        self.upsert_sql = (
            f'INSERT INTO "{self.table.name}" ({quoted}) VALUES ({marks}) '
            f"ON CONFLICT(id) DO UPDATE SET {updates}"
        )
        self._default_values = [self.defaults[name] for name in self.columns]
        self._pick = operator.itemgetter(*self.columns)
        self._converts = [
            (i + 1, conv)
            for i, conv in enumerate(self.convert)
            if conv is not None
            and not isinstance(self.table.columns[self.columns[i]].type, Boolean)
        ]
        self._name_at = self.columns.index("name") + 1 if self.is_person else -1

    def row(self, row_id: str, data: dict[str, Any]) -> tuple[Any, ...]:
        """The row as a tuple in the column order of :attr:`upsert_sql`."""
        try:
            out = [encode_id(row_id), *self._pick(data)]
        except KeyError:  # fields this role may not see, or newer than the sender
            out = [encode_id(row_id), *map(data.get, self.columns, self._default_values)]
        for at, conv in self._converts:
            value = out[at]
            if value is not None:
                out[at] = conv(value)
        if self.is_person:
            out.extend(name_keys(out[self._name_at] or ""))
        return tuple(out)


class _SortedPage(NamedTuple):
    """A pulled page's rows to upsert and ids to delete, per table, in storage form."""

    puts: dict[str, list[tuple[Any, ...]]]
    drops: dict[str, list[str]]


@contextmanager
def _relaxed_sync(conn: Connection) -> Iterator[None]:
    """``synchronous=NORMAL`` on this connection until the block ends (then FULL again)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        raw.execute("PRAGMA synchronous=FULL")


class StoreReplica:
    """The LocalReplica of a fieldkit :class:`~fieldkit.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.plans = {str(m.__tablename__): _TablePlan(m) for m in SYNCED_TABLES}

    # push side
    def pending(self, limit: int, after_seq: int = 0) -> list[Change]:
        """Pending outbox entries after ``after_seq``, in seq order."""
        o = _OUTBOX.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(o.seq, o.tbl, o.row_id, o.data, o.hlc, o.seen_rev)
                .where(o.state == OutboxState.PENDING, o.seq > after_seq)
                .order_by(o.seq)
                .limit(limit)
            ).all()
        loads = orjson.loads
        # Written by this store's own outbox capture: no need to validate again.
        return [
            Change.model_construct(
                seq=r.seq,
                tbl=r.tbl,
                id=r.row_id,
                data=loads(r.data),
                hlc=r.hlc,
                seen_rev=r.seen_rev,
            )
            for r in rows
        ]

    def pending_wire(self, limit: int, after_seq: int = 0) -> PushBatch | None:
        """:meth:`pending` as one push body: the stored JSON of each change goes as it is."""
        with self.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            rows = raw.execute(
                "SELECT seq, tbl, row_id, data, hlc, seen_rev FROM outbox "
                "WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",
                (str(OutboxState.PENDING), after_seq, limit),
            ).fetchall()
        if not rows:
            return None
        enc = encode_basestring
        body = ",".join(
            [
                f'{{"seq":{seq},"tbl":{enc(tbl)},"id":{enc(decode_id(row_id))},"data":{data},'
                f'"hlc":{enc(hlc)},"seen_rev":{seen}}}'
                for seq, tbl, row_id, data, hlc, seen in rows
            ]
        )
        return PushBatch(
            first_seq=rows[0][0],
            last_seq=rows[-1][0],
            count=len(rows),
            body=f'{{"changes":[{body}]}}'.encode(),
        )

    def record_verdicts(self, verdicts: Sequence[Verdict]) -> None:
        """Synced for applied/duplicate/conflict, rejected with its reason otherwise."""
        now = datetime.now(UTC)
        o = _OUTBOX.c
        synced = [v.seq for v in verdicts if v.status != "rejected"]
        rejected = [
            {"k_seq": v.seq, "reason": v.reason} for v in verdicts if v.status == "rejected"
        ]
        if not verdicts:
            return
        # No fsync of its own (see apply_page): verdicts a power cut loses are asked
        # for again, and HQ answers a replay duplicate (or with the stored rejection).
        with self.store._write_engine.connect() as conn, _relaxed_sync(conn), conn.begin():
            if synced:
                # the seqs as ONE JSON parameter (thousands of bound values are slow)
                seqs = func.json_each(orjson.dumps(synced).decode()).table_valued("value")
                conn.execute(
                    update(_OUTBOX)
                    .where(o.seq.in_(select(seqs.c.value)))
                    .values(state=OutboxState.SYNCED, reason="", synced_at=now)
                )
            if rejected:
                conn.execute(
                    update(_OUTBOX)
                    .where(o.seq == bindparam("k_seq"))
                    .values(state=OutboxState.REJECTED, reason=bindparam("reason"), synced_at=now),
                    rejected,
                )

    def pending_count(self) -> int:
        """How many outbox entries wait to be sent (reported to HQ when pulling)."""
        o = _OUTBOX.c
        with self.store.engine.connect() as conn:
            n = conn.execute(
                select(func.count()).select_from(_OUTBOX).where(o.state == OutboxState.PENDING)
            ).scalar_one()
        return int(n)

    def synced_through(self) -> int:
        """The highest outbox seq marked synced (0 when none is)."""
        o = _OUTBOX.c
        with self.store.engine.connect() as conn:
            high = conn.execute(
                select(func.max(o.seq)).where(o.state == OutboxState.SYNCED)
            ).scalar_one()
        return int(high or 0)

    def resend_after(self, watermark: int) -> int:
        """Mark synced outbox entries with seq > ``watermark`` pending again (HQ lost them).

        Rejected entries keep their verdict; the restored HQ never applied them.
        """
        o = _OUTBOX.c
        with self.store._write_engine.begin() as conn:
            done = conn.execute(
                update(_OUTBOX)
                .where(o.state == OutboxState.SYNCED, o.seq > watermark)
                .values(state=OutboxState.PENDING, reason="", synced_at=None)
            )
        return int(done.rowcount)

    # pull side
    def cursor(self) -> str | None:
        """The stored pull cursor."""
        return self.store.meta("pull_cursor") or None

    def scope(self) -> list[str] | None:
        """The scope of the last applied page."""
        text = self.store.meta("scope_sites")
        if not text:
            return None
        value = json.loads(text)
        return None if value is None else [str(v) for v in value]

    def forget_cursor(self) -> None:
        """Pull from the start next time."""
        self.store.set_meta("pull_cursor", "")

    def apply_page(self, page: PullPage) -> PageApplied:
        """Apply the page's rows, scope and cursor in one transaction (FKs off)."""
        return self.apply_prepared(page, self.prepare_page(page))

    def prepare_page(self, page: PullPage) -> _SortedPage:
        """The page's rows in storage form (no store access)."""
        return _SortedPage(*self._sort_page(page))

    def apply_prepared(self, page: PullPage, prepared: object) -> PageApplied:
        """Apply a page whose rows :meth:`prepare_page` made (see :meth:`apply_page`):
        the store write alone, which the pull benchmark times."""
        assert isinstance(prepared, _SortedPage)
        puts, drops = prepared.puts, prepared.drops
        removed = 0
        finished = False
        with gc_paused(), self.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
            # A page needs no fsync of its own: in WAL mode a commit that a power cut
            # loses takes its cursor with it (the page is pulled again), and the next
            # local save (synchronous=FULL) makes everything before it durable.
            raw.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    bulk = self._bulk_load(conn, page)
                    removed += self._delete_exits(conn, drops)
                    for tbl, rows in puts.items():
                        plan = self.plans[tbl]
                        if tbl == _PERSON:
                            rows = _dodge_code_clashes(conn, plan, rows)
                        raw.executemany(plan.upsert_sql, rows)
                    removed += self._record_page(conn, page)
                    finished = bulk and not page.more
                    if finished:
                        bulk_load.finish(conn)
            finally:
                raw.execute("PRAGMA synchronous=FULL")
                raw.execute("PRAGMA foreign_keys=ON")
        return PageApplied(stored=sum(len(r) for r in puts.values()), removed=removed)

    def _sort_page(
        self, page: PullPage
    ) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[str]]]:
        """The page's rows to upsert and ids to delete, per table (unknown tables skipped)."""
        records = page.records
        if any(rec.op == "exit" for rec in records):
            # an exit and a put of one row on a page: only the later one counts
            last = {(rec.tbl, rec.id): rec for rec in records}
            records = list(last.values())
        puts: dict[str, list[tuple[Any, ...]]] = {}
        drops: dict[str, list[str]] = {}
        plans = self.plans
        for rec in records:
            plan = plans.get(rec.tbl)
            if plan is None:
                continue
            if rec.op == "exit":
                drops.setdefault(rec.tbl, []).append(rec.id)
            else:
                # the values carry the tombstone flag ("deleted") like any other field
                puts.setdefault(rec.tbl, []).append(plan.row(rec.id, rec.data))
        return puts, drops

    def _delete_exits(self, conn: Connection, drops: dict[str, list[str]]) -> int:
        """Delete the rows that left this device's scope; returns how many went."""
        removed = 0
        for tbl, ids in drops.items():
            table = self.plans[tbl].table
            for start in range(0, len(ids), 500):
                done = conn.execute(delete(table).where(table.c.id.in_(ids[start : start + 500])))
                removed += done.rowcount
        return removed

    def _bulk_load(self, conn: Connection, page: PullPage) -> bool:
        """Whether this page is applied as part of a bulk load (:mod:`..bulk_load`).

        One starts on the first page of a new laptop's first pull when more pages
        follow and the page is large; it goes on until the last page, unless the
        store was opened meanwhile (which built everything: the rest is applied
        row by row).
        """
        if bulk_load.pending(conn):
            return True
        if page.more and len(page.records) >= bulk_load.MIN_PAGE_ROWS and bulk_load.is_empty(conn):
            bulk_load.begin(conn)
            return True
        return False

    def _record_page(self, conn: Connection, page: PullPage) -> int:
        """Write the page's keys of local_meta (cursor, revision, epoch, role, the clock
        after the receive rule, the scope) and leave a scope that changed; returns how
        many rows that removed. The keys are read and written by the driver at once
        (Core statements cost ~0.1 ms each, ten of them per page)."""
        raw = conn.connection.driver_connection
        assert raw is not None
        meta: dict[str, str] = dict(raw.execute(_META_READ, _META_READ_KEYS).fetchall())
        writes = {
            "pull_cursor": page.cursor,
            "pull_rev": str(page.seen_rev),
            "pull_epoch": page.epoch,
            "role": page.role,
            "hlc": _observed(page, meta),
        }
        if page.reset:
            writes["conflict_rev"] = "0"
        removed = 0
        scope_text = json.dumps(None if page.scope is None else sorted(page.scope))
        if meta.get("scope_sites") != scope_text:
            writes["scope_sites"] = scope_text
            removed = self._leave_scope(conn, page.scope)
        raw.executemany(_META_WRITE, list(writes.items()))
        return removed

    def _leave_scope(self, conn: Connection, scope: list[str] | None) -> int:
        """Delete the rows outside a scope that changed; returns how many went."""
        if scope is None:
            return 0
        removed = 0
        for plan in self.plans.values():
            if plan.scope_col is None:
                continue
            done = conn.execute(delete(plan.table).where(plan.scope_col.not_in(scope)))
            removed += done.rowcount
        return removed

    # conflicts
    def conflicts_after(self) -> int:
        """The revision conflict markers are known through."""
        return int(self.store.meta("conflict_rev") or 0)

    def apply_conflicts(self, reply: ConflictsReply) -> int:
        """Upsert the markers and the revision in one transaction."""
        rows = [
            {
                "id": c.id,
                "tbl": c.tbl,
                "row_id": c.row_id,
                "field": c.field,
                "winner_value": json.dumps(c.winner_value, ensure_ascii=False),
                "winner_device": c.winner_device,
                "loser_value": json.dumps(c.loser_value, ensure_ascii=False),
                "loser_device": c.loser_device,
                "created_at": c.created_at,
                "resolved": c.resolved,
            }
            for c in reply.conflicts
        ]
        with self.store._write_engine.begin() as conn:
            if rows:
                stmt = sqlite_insert(_MARKERS)
                # settled here (a value picked) or at HQ: never open again
                stmt = stmt.on_conflict_do_update(
                    index_elements=["id"],
                    set_={"resolved": func.max(_MARKERS.c.resolved, stmt.excluded.resolved)},
                )
                conn.execute(stmt, rows)
            _meta_set(conn, "conflict_rev", str(reply.rev))
        return len(rows)
