"""The first sync's reconciliation: every record HQ has never seen goes in the outbox.

Records can exist on a laptop without outbox entries: the demo county, a store
restored from a backup, rows written before the store knew its headquarters.
Edits of such records queue only the changed fields, which HQ cannot take as a
new row ("new person row … has no site_id"). Before the first push to a
headquarters, :func:`reconcile_store` queues one full-row change for every
synced row HQ has never acknowledged and whose full row is not queued yet,
parents before children and before the changes already waiting, replacing the
row's pending partial changes (the full row already holds their values). It
runs in one local transaction and marks the store reconciled for that
headquarters in the same transaction, so a cut run leaves nothing behind and
runs again, and a finished one never runs twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Table, delete, insert, select
from sqlmodel import SQLModel

from fieldkit.domain.models import SYNCED_TABLES
from fieldkit.store.outbox import meta_get, meta_set, synced_columns
from fieldkit.store.store import Store, StoreSession
from fieldkit.store.tables import OutboxEntry, OutboxState
from fieldkit.store.wire import to_wire
from sync.hlc import HLC

__all__ = ["RECONCILED_KEY", "needs_reconcile", "reconcile_store", "requeue_rejected"]

RECONCILED_KEY = "reconciled_with"
"""local_meta key: the headquarters address this store was reconciled with."""

_OUTBOX: Table = SQLModel.metadata.tables[str(OutboxEntry.__tablename__)]


def needs_reconcile(store: Store) -> bool:
    """Whether the next sync is this store's first with its headquarters."""
    server = store.meta("server_url") or ""
    return bool(server) and store.meta(RECONCILED_KEY) != server


def _covered(session: StoreSession) -> set[str]:
    """Ids of rows HQ took a change of, or whose full row is already in the outbox."""
    o = _OUTBOX.c
    width = {str(m.__tablename__): len(synced_columns(m)) for m in SYNCED_TABLES}
    covered: set[str] = set()
    for tbl, row_id, state, data in session.connection().execute(
        select(o.tbl, o.row_id, o.state, o.data)
    ):
        if state == OutboxState.SYNCED or len(json.loads(data)) == width.get(tbl, -1):
            covered.add(str(row_id))
    return covered


def _ever_pushed(session: StoreSession) -> bool:
    """Whether HQ ever answered a change of this store (its seqs are then known)."""
    o = _OUTBOX.c
    answered = select(o.seq).where(o.state != OutboxState.PENDING).limit(1)
    return session.connection().execute(answered).first() is not None


def _take_pending(session: StoreSession) -> list[dict[str, object]]:
    """Remove the pending entries, returned oldest first (to be queued again after)."""
    o = _OUTBOX.c
    conn = session.connection()
    taken = [
        dict(row._mapping)
        for row in conn.execute(
            select(*[c for c in _OUTBOX.columns if c.name != "seq"])
            .where(o.state == OutboxState.PENDING)
            .order_by(o.seq)
        )
    ]
    conn.execute(delete(_OUTBOX).where(o.state == OutboxState.PENDING))
    return taken


def _full_row(obj: SQLModel) -> str:
    """Every synced field of ``obj`` as outbox JSON (wire form)."""
    data = {c: to_wire(getattr(obj, c)) for c in synced_columns(type(obj))}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _unsent_rows(session: StoreSession, acknowledged: set[str]) -> list[tuple[str, str, str]]:
    """``(table, id, full-row JSON)`` of every synced row HQ never took, parents first."""
    found: list[tuple[str, str, str]] = []
    for model in SYNCED_TABLES:
        for obj in session.scalars(select(model)):
            row_id = str(obj.id)  # type: ignore[attr-defined]
            if row_id not in acknowledged:
                found.append((str(model.__tablename__), row_id, _full_row(obj)))
        session.expunge_all()
    return found


def _queue(session: StoreSession, rows: list[tuple[str, str, str]]) -> None:
    """Replace the rows' pending changes with one full-row change each."""
    o = _OUTBOX.c
    conn = session.connection()
    ids = {row_id for _tbl, row_id, _data in rows}
    pending = [
        row_id
        for (row_id,) in conn.execute(select(o.row_id).where(o.state == OutboxState.PENDING))
        if row_id in ids
    ]
    for start in range(0, len(pending), 500):
        conn.execute(
            delete(_OUTBOX).where(
                o.state == OutboxState.PENDING, o.row_id.in_(pending[start : start + 500])
            )
        )
    device_id = meta_get(session, "device_id") or ""
    clock = HLC(node=device_id, last=meta_get(session, "hlc") or "")
    seen_rev = int(meta_get(session, "pull_rev") or 0)
    now = datetime.now(UTC)
    if rows:
        conn.execute(
            insert(_OUTBOX),
            [
                {
                    "tbl": tbl,
                    "row_id": row_id,
                    "data": data,
                    "hlc": clock.now(),
                    "seen_rev": seen_rev,
                    "state": OutboxState.PENDING,
                    "reason": "",
                    "created_at": now,
                }
                for tbl, row_id, data in rows
            ],
        )
    meta_set(session, "hlc", clock.last)


def reconcile_store(store: Store) -> int:
    """Queue every record HQ never acknowledged, once per headquarters; how many.

    A row counts as acknowledged when HQ took a change of it or its full row
    already waits in the outbox (a record made on this laptop); the others get
    a full-row entry, replacing their pending partial ones.

    A store that already pulled from its headquarters holds HQ's records, which
    must not come back as new changes: it is only marked reconciled.
    """
    server = store.meta("server_url") or ""
    with store.write() as session:
        if not server or meta_get(session, RECONCILED_KEY) == server:
            return 0
        rows: list[tuple[str, str, str]] = []
        if not meta_get(session, "pull_cursor"):
            rows = _unsent_rows(session, _covered(session))
        if rows:
            # Never-sent entries move behind the full rows, so parents go first;
            # once HQ knows this store's seqs they stay where they are.
            held = [] if _ever_pushed(session) else _take_pending(session)
            _queue(session, rows)
            ids = {row_id for _tbl, row_id, _data in rows}
            kept = [entry for entry in held if entry["row_id"] not in ids]
            if kept:
                session.connection().execute(insert(_OUTBOX), kept)
        meta_set(session, RECONCILED_KEY, server)
        return len(rows)


def requeue_rejected(store: Store, seq: int) -> bool:
    """Send a rejected change again, as its record stands now; False if none is rejected.

    Once the cause is fixed (a site set, a parent record sent), the rejected
    entry makes way for a new pending one at the end of the outbox (HQ answers
    a sequence number it has seen with its first verdict), carrying every field
    of the record as it is now and a fresh clock.
    """
    o = _OUTBOX.c
    models = {str(m.__tablename__): m for m in SYNCED_TABLES}
    with store.write() as session:
        conn = session.connection()
        found = conn.execute(
            select(o.tbl, o.row_id, o.data).where(o.seq == seq, o.state == OutboxState.REJECTED)
        ).first()
        if found is None:
            return False
        tbl, row_id, data = str(found.tbl), str(found.row_id), str(found.data)
        obj = session.get(models[tbl], row_id) if tbl in models else None
        # Queued before the rejected entry goes, so SQLite cannot hand its seq out again.
        _queue(session, [(tbl, row_id, data if obj is None else _full_row(obj))])
        conn.execute(delete(_OUTBOX).where(o.seq == seq))
        return True
