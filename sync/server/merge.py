"""Applying a pushed batch: exactly-once, checks, per-field last-writer-wins, scope follow.

All of a push happens in one transaction. It first locks the device's row (another
push of the same device waits there), then takes the next revision from the
counter row (its row lock orders revisions by commit on PostgreSQL, and is the one
lock every write waits for in turn). Its steps, each a function or method below:

1. :func:`device_watermark`: the device is live, and how far HQ holds its changes;
2. :func:`replayed_verdicts`: changes at or below the watermark are answered
   ``duplicate`` (or with their stored rejection) and change nothing;
3. :mod:`sync.server.checks`: order, table, clock (parsed strictly, of the
   sender, not too far ahead), fields;
4. :class:`Merge`: the records the batch names are loaded once; each change is
   checked against its author's scope and merged field by field
   (:mod:`sync.server.lww`); a child follows its parent's scope
   (:mod:`sync.server.follow`);
5. :meth:`Merge.finish`: children of moved parents are carried along, exits,
   records (:mod:`sync.server.writer`) and conflicts are written;
6. :func:`record_rejections` and :func:`advance_watermark`, in the same transaction.

HQ's own writes (:mod:`sync.server.hq_writes`) go through the same :class:`Merge`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, insert, select, update

from sync.protocol import Verdict, VerdictStatus
from sync.schema import SyncSchema, TableSpec
from sync.server import tables as t
from sync.server.auth import Device, utcnow
from sync.server.checks import (
    Author,
    Rejected,
    check_clock,
    check_fields,
    check_hidden,
    check_order,
    check_table,
    check_writable,
    device_may_write,
)
from sync.server.follow import carry_children, exit_rows, follow_parent, parent_scope
from sync.server.lww import Incoming, merge_fields
from sync.server.records import (
    ALL_FIELDS,
    Key,
    StoredRecord,
    load_exits,
    load_records,
    load_scopes,
    next_rev,
    upsert,
)
from sync.server.settings import OnWritten, WrittenRecord
from sync.server.writer import NewRecords, write_records

__all__ = [
    "ALL_FIELDS",
    "ChangeLike",
    "DeviceRevoked",
    "Merge",
    "PushOutcome",
    "RowChange",
    "advance_watermark",
    "apply_push",
    "check_unchanged",
    "device_watermark",
    "record_rejections",
    "replayed_verdicts",
]


class DeviceRevoked(Exception):
    """The device was revoked while its request was on the way."""


class RowChange(Protocol):
    """The fields of one row a change sets."""

    @property
    def tbl(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


class ChangeLike(RowChange, Protocol):
    """What :func:`apply_push` reads of a change (:class:`sync.protocol.Change` fits)."""

    @property
    def seq(self) -> int: ...
    @property
    def hlc(self) -> str: ...
    @property
    def seen_rev(self) -> int: ...


Result = tuple[int, VerdictStatus, str]
"""(seq, status, reason) of one change."""

_VERDICT_JSON = {
    status: f',"status":"{status}","reason":""}}' for status in ("applied", "duplicate", "conflict")
}


@dataclass
class PushOutcome:
    """Verdicts of a push (``(seq, status, reason)``), its revision and the new watermark."""

    results: list[Result]
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


class Merge:
    """The records one write transaction changes: loaded once, merged change by change,
    then written with revision ``rev`` by :meth:`finish`.

    New records that nothing later in the batch can change are handed to the writer
    at once (on PostgreSQL they stream into COPY while the rest is merged). Use as a
    context manager; between :meth:`load` and :meth:`finish` the connection runs
    nothing else.
    """

    def __init__(
        self,
        conn: Connection,
        schema: SyncSchema,
        rev: int,
        now: datetime,
        on_written: OnWritten | None = None,
    ) -> None:
        self.conn = conn
        self.on_written = on_written
        self.schema = schema
        self.rev = rev
        self.now = now
        self.recs: dict[Key, StoredRecord] = {}
        self.parent_scopes: dict[Key, str] = {}
        self.parent_exits: dict[Key, list[tuple[str, int]]] = {}
        self.touched: set[Key] = set()
        self.repeated: set[Key] = set()
        self.conflicts: list[dict[str, Any]] = []
        self.fresh = NewRecords(conn, schema, rev)

    def __enter__(self) -> Merge:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.fresh.__exit__(*exc)

    def load(self, changes: Iterable[RowChange]) -> None:
        """Read the stored records ``changes`` name, and the stored scopes of their parents."""
        wanted: dict[str, list[str]] = {}
        parents: dict[str, set[str]] = {}
        for c in changes:
            spec = self.schema.table(c.tbl)
            if spec is None:
                continue
            key = (c.tbl, c.id)
            if key in self.touched:
                self.repeated.add(key)
            self.touched.add(key)
            wanted.setdefault(c.tbl, []).append(c.id)
            if spec.scope_parent is not None and type(c.data) is dict:
                parent_id = c.data.get(spec.scope_parent[0])
                if isinstance(parent_id, str):
                    parents.setdefault(spec.scope_parent[1], set()).add(parent_id)
        self.recs = load_records(self.conn, wanted)
        self.parent_scopes = load_scopes(self.conn, parents)
        self.parent_exits = load_exits(self.conn, parents)

    def apply(
        self, spec: TableSpec, data: dict[str, Any], change: Incoming, author: Author
    ) -> VerdictStatus:
        """Merge one checked change; raises :class:`Rejected` when its author may not."""
        rec = self.recs.get((change.tbl, change.id))
        if rec is None:
            self._create(spec, data, change, author)
            return "applied"
        return self._update(spec, rec, data, change, author)

    def _final(self, spec: TableSpec, key: Key, rec: StoredRecord) -> bool:
        """Whether nothing later in the batch can change this new record."""
        if key in self.repeated:
            return False
        if spec.scope_parent is None:
            return True
        link, parent_tbl = spec.scope_parent
        parent_id = rec.data.get(link)
        return not isinstance(parent_id, str) or (parent_tbl, parent_id) not in self.touched

    def _held_until(self, spec: TableSpec, parent_id: str, author: Author) -> int:
        """The last revision at which the parent left a scope the author may touch (0: never)."""
        assert spec.scope_parent is not None
        left = self.parent_exits.get((spec.scope_parent[1], parent_id), ())
        return max((rev for scope, rev in left if author.may_touch(scope)), default=0)

    def _check_home(
        self, spec: TableSpec, change: Incoming, own: str | None, parent_id: Any, author: Author
    ) -> None:
        """The author may write where the row goes: a child row goes to its parent's scope
        (whatever scope field it names), any other row to ``own``.

        A child of a parent outside the author's scope is refused, unless the parent
        left the author's scope after the revision the author had seen
        (``seen_rev``): it was written, offline, for a parent the author held then,
        and follows it.
        """
        found = parent_scope(spec, parent_id, self.recs, self.parent_scopes)
        if found is None:
            if own is not None:
                check_writable(author, spec.name, change.id, own)
            return
        assert spec.scope_parent is not None
        assert isinstance(parent_id, str)
        if author.may_touch(found) or self._held_until(spec, parent_id, author) > change.seen_rev:
            return
        raise Rejected(
            f"{spec.name} {change.id}: its {spec.scope_parent[1]} {parent_id} is in {found}, "
            f"outside {author.user}'s scope"
        )

    def _create(
        self, spec: TableSpec, data: dict[str, Any], change: Incoming, author: Author
    ) -> None:
        """A new record: every field carries this change's clock (one shared entry).

        The author must be able to write where it goes: a child row goes to its
        parent's scope, whatever scope field it names.
        """
        scope = spec.scope_of(change.id, data)
        if scope is None:
            raise Rejected(f"new {change.tbl} row {change.id} has no {spec.scope_field}")
        check_hidden(author, spec, data)
        link = spec.scope_parent[0] if spec.scope_parent is not None else None
        self._check_home(spec, change, scope, data.get(link) if link else None, author)
        key = (change.tbl, change.id)
        rec = self.recs[key] = StoredRecord(
            scope=scope,
            data=data,
            clocks={ALL_FIELDS: [change.hlc, self.rev, change.node]},
            deleted=bool(data.get(spec.delete_field, False)),
            new=True,
            dirty=True,
        )
        if spec.scope_parent is not None:
            clock = [change.hlc, self.rev, change.node]
            follow_parent(spec, rec, clock, self.recs, self.parent_scopes)
        if self._final(spec, key, rec):
            self.fresh.add(change.tbl, change.id, rec)
            rec.written = True

    def _update(
        self,
        spec: TableSpec,
        rec: StoredRecord,
        data: dict[str, Any],
        change: Incoming,
        author: Author,
    ) -> VerdictStatus:
        """A stored record: role and scope checks, field LWW, then its scope follows its values.

        Blanks in fields the author may not see are dropped (they would erase what
        it cannot see); the author must be able to write where the record is and
        where it goes (a child row: its parent's scope, as of this change).
        """
        check_hidden(author, spec, data)
        hidden = author.hidden_in(change.tbl)
        if hidden:
            data = {k: v for k, v in data.items() if k not in hidden}
        check_writable(author, change.tbl, change.id, rec.scope)
        if spec.append_only:
            check_unchanged(spec, rec, data, change.id)
        own = spec.scope_of(change.id, data) if spec.scope_field in data else None
        link = spec.scope_parent[0] if spec.scope_parent is not None else None
        parent_id = data.get(link, rec.data.get(link)) if link else None
        self._check_home(spec, change, own, parent_id, author)
        conflicted = merge_fields(rec, data, change, self.rev, self.conflicts, self.now)
        rec.scope = spec.scope_of(change.id, rec.data) or rec.scope
        rec.deleted = bool(rec.data.get(spec.delete_field, False))
        if spec.scope_parent is not None:
            clock = [change.hlc, self.rev, change.node]
            follow_parent(spec, rec, clock, self.recs, self.parent_scopes)
        return "conflict" if conflicted else "applied"

    def finish(self) -> None:
        """Write it all: queued new records, children carried along, exits, records, conflicts."""
        self.fresh.close()
        carry_children(self.conn, self.schema, self.recs)
        exits = exit_rows(self.recs, self.rev)
        write_records(self.conn, self.schema, self.recs, self.rev)
        if exits:
            upsert(self.conn, t.exit_, exits, ["tbl", "id", "scope"])
        if self.conflicts:
            self.conn.execute(insert(t.conflict), self.conflicts)
        if self.on_written is not None:
            self.on_written(self.conn, self.written())

    def written(self) -> list[WrittenRecord]:
        """Every record this write changed or moved, with its final values."""
        return [
            WrittenRecord(tbl, row_id, rec.scope, rec.data, rec.deleted)
            for (tbl, row_id), rec in self.recs.items()
            if rec.dirty or rec.scope != rec.old_scope
        ]


def check_unchanged(spec: TableSpec, rec: StoredRecord, data: dict[str, Any], row_id: str) -> None:
    """Refuse a change that would alter a stored row of an append-only table.

    A child row's scope field is HQ's to keep (it follows the parent), so a replay
    naming the scope the row had when it was written is no change.
    """
    moved = spec.scope_field if spec.scope_parent is not None else None
    changed = sorted(
        k for k, v in data.items() if k != moved and rec.data.get(k, spec.blank(k)) != v
    )
    if changed:
        raise Rejected(
            f"{spec.name} {row_id} is append-only: a stored row is never changed"
            f" ({', '.join(changed)})"
        )


def device_watermark(conn: Connection, device_id: str) -> int:
    """The highest seq HQ holds from the device; raises :class:`DeviceRevoked`.

    Locks the device's row until the transaction ends (on PostgreSQL): another push
    of the same device waits here, not for the revision counter."""
    row = conn.execute(
        select(t.device.c.watermark, t.device.c.revoked_at)
        .where(t.device.c.id == device_id)
        .with_for_update()
    ).one()
    if row.revoked_at is not None:
        raise DeviceRevoked(device_id)
    return int(row.watermark)


def replayed_verdicts(
    conn: Connection, device_id: str, changes: Sequence[ChangeLike], watermark: int
) -> dict[int, Result]:
    """Verdicts of the changes HQ already holds: their stored rejection, else ``duplicate``."""
    seqs = sorted(c.seq for c in changes if c.seq <= watermark)
    reasons: dict[int, str] = {}
    for start in range(0, len(seqs), 500):
        rows = conn.execute(
            select(t.rejection.c.seq, t.rejection.c.reason).where(
                t.rejection.c.device_id == device_id,
                t.rejection.c.seq.in_(seqs[start : start + 500]),
            )
        )
        reasons.update({int(row.seq): row.reason for row in rows})
    return {
        seq: (seq, "rejected", reasons[seq]) if seq in reasons else (seq, "duplicate", "")
        for seq in seqs
    }


def _push_one(
    merge: Merge, dev: Device, c: ChangeLike, now_ms: int, max_drift_ms: int
) -> VerdictStatus:
    """Check one pushed change and merge it; raises :class:`Rejected`."""
    spec = check_table(merge.schema, c.tbl)
    device_may_write(spec)
    ts = check_clock(c.hlc, dev.id, now_ms, max_drift_ms)
    check_fields(spec, c.data)
    return merge.apply(spec, c.data, Incoming(c.tbl, c.id, c.hlc, ts, c.seen_rev, dev.id), dev)


def _rejection_row(device_id: str, c: ChangeLike, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "seq": c.seq,
        "tbl": c.tbl[:64],
        "row_id": c.id,
        "reason": reason,
        "created_at": now,
    }


def record_rejections(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Keep the rejections, so a replay of those changes gets the same answer."""
    if rows:
        conn.execute(insert(t.rejection), rows)


def advance_watermark(conn: Connection, device_id: str, watermark: int, now: datetime) -> None:
    """Store the device's new watermark and the time of its push."""
    conn.execute(
        update(t.device)
        .where(t.device.c.id == device_id)
        .values(watermark=watermark, last_push_at=now)
    )


def apply_push(
    conn: Connection,
    schema: SyncSchema,
    dev: Device,
    changes: Sequence[ChangeLike],
    *,
    max_drift_ms: int,
    now_ms: int,
    on_written: OnWritten | None = None,
) -> PushOutcome:
    """Apply ``changes`` (in seq order) inside the caller's write transaction.

    The device's own rows are read first, under its row's lock; the revision counter,
    which every write waits for in turn, is taken only when the records are."""
    watermark = device_watermark(conn, dev.id)
    now = utcnow()
    replayed = replayed_verdicts(conn, dev.id, changes, watermark)
    rev = next_rev(conn)
    results: list[Result] = []
    rejections: list[dict[str, Any]] = []
    high = watermark
    with Merge(conn, schema, rev, now, on_written) as merge:
        merge.load(c for c in changes if c.seq > watermark)
        for c in changes:
            if c.seq <= watermark:
                results.append(replayed[c.seq])
                continue
            try:
                check_order(c.seq, high)
                high = c.seq
                results.append((c.seq, _push_one(merge, dev, c, now_ms, max_drift_ms), ""))
            except Rejected as why:
                results.append((c.seq, "rejected", str(why)))
                rejections.append(_rejection_row(dev.id, c, str(why), now))
        merge.finish()
    record_rejections(conn, rejections)
    advance_watermark(conn, dev.id, high, now)
    return PushOutcome(results=results, rev=rev, watermark=high)
