"""Pages of a pull: the rows a device may see, in commit order after its cursor.

Two streams are merged in (rev, kind, tbl, id) order: ``exit`` items (kind 0) tell
the device to drop a row that moved out of one of its scope keys; ``put`` items
(kind 1) carry a row's current visible values. A move within the device's scope
gives an exit and a put at the same revision, applied in that order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    String,
    and_,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from sync.hlc import NEVER, format_ts, stored_ts
from sync.protocol import ConflictInfo, Cursor
from sync.schema import EVERY_DEVICE, SyncSchema
from sync.server import tables as t
from sync.server.auth import Device, utcnow

__all__ = [
    "PageJson",
    "conflicts_after",
    "current_state",
    "latest_clock",
    "pull_page_json",
    "touch_pull",
]


class PageJson(NamedTuple):
    """A pull page as JSON text (:class:`sync.protocol.PullPage`) and whether more follow."""

    body: str
    more: bool


def current_state(conn: Connection) -> tuple[str, int]:
    """The server's epoch and newest revision."""
    row = conn.execute(
        select(t.server_state.c.epoch, t.server_state.c.rev).where(t.server_state.c.id == 1)
    ).one()
    return str(row.epoch), int(row.rev)


def _after(
    cols: ReadOnlyColumnCollection[str, ColumnElement[Any]], kind: int, cur: Cursor
) -> ColumnElement[bool]:
    """Rows of stream ``kind`` that sort after the cursor in (rev, kind, tbl, id) order.

    Written as a row-value comparison so that both PostgreSQL and SQLite turn it
    into an index range on (scope, rev, tbl, id): each page costs its own size,
    not the size of the scope.
    """
    if kind > cur.kind:
        return cols.rev >= cur.rev
    if kind < cur.kind:
        return cols.rev > cur.rev
    return tuple_(cols.rev, cols.tbl, cols.id) > tuple_(
        literal(cur.rev, BigInteger), literal(cur.tbl, String), literal(cur.id, String)
    )


def _in_scope(col: ColumnElement[Any], dev: Device) -> ColumnElement[bool]:
    """Rows of the device's scope keys, and those every device receives."""
    if dev.scope is None:
        return true()
    return col.in_([*sorted(dev.scope), EVERY_DEVICE])


def _visible(c: Any, schema: SyncSchema, dev: Device) -> ColumnElement[bool]:
    """Conflicts on fields the device's role may see (the others are never sent)."""
    hidden = [
        and_(c.tbl == spec.name, c.field.in_(sorted(dev.role.hidden_in(spec.name))))
        for spec in schema.tables
        if dev.role.hidden_in(spec.name)
    ]
    return not_(or_(*hidden)) if hidden else true()


def latest_clock(clocks: Iterable[str]) -> str:
    """The latest field clock in the stored clocks of some records ("" if none).

    A page carries it so the device merges it into its HLC: an edit made after
    the device pulled these values sorts after every one of them.
    """
    latest = NEVER
    for text in clocks:
        if text:
            for entry in orjson.loads(text).values():
                ts = stored_ts(entry[0])
                if ts > latest:
                    latest = ts
    return format_ts(latest) if latest is not NEVER else ""


def pull_page_json(
    conn: Connection, schema: SyncSchema, dev: Device, cursor_text: str | None, limit: int
) -> PageJson:
    """One page of :class:`sync.protocol.PullPage` as JSON text (built directly, for speed)."""
    epoch, head = current_state(conn)
    reset = False
    cur = Cursor(epoch=epoch)
    if cursor_text:
        given = Cursor.decode(cursor_text)
        if given.epoch == epoch:
            cur = given
        else:
            reset = True
    r, x = t.record.c, t.exit_.c
    items: list[tuple[int, int, str, str, bool, str | None, str]] = []
    rows = conn.execute(
        select(r.rev, r.tbl, r.id, r.deleted, r.data, r.clocks)
        .where(_in_scope(r.scope, dev), _after(r, 1, cur))
        .order_by(r.rev, r.tbl, r.id)
        .limit(limit + 1)
    )
    items.extend(
        (int(rev), 1, tbl, row_id, bool(deleted), data, clocks)
        for rev, tbl, row_id, deleted, data, clocks in rows.all()
    )
    if dev.scope is not None:
        exits = conn.execute(
            select(x.rev, x.tbl, x.id)
            .where(_in_scope(x.scope, dev), _after(x, 0, cur))
            .order_by(x.rev, x.tbl, x.id)
            .limit(limit + 1)
        ).all()
        if exits:  # else the puts are in order already
            items.extend((int(rev), 0, tbl, row_id, False, None, "") for rev, tbl, row_id in exits)
            items.sort(key=itemgetter(0, 1, 2, 3))
    more = len(items) > limit
    items = items[:limit]
    if items:
        last = items[-1]
        cur = Cursor(epoch=epoch, rev=last[0], kind=last[1], tbl=last[2], id=last[3])
    seen = min(head, items[-1][0] - 1) if more else head
    hidden = {
        spec.name: dev.role.hidden_in(spec.name)
        for spec in schema.tables
        if dev.role.hidden_in(spec.name)
    }
    parts: list[str] = []
    dumps = json.dumps
    quote = encode_basestring_ascii  # what json.dumps does with a str, byte for byte
    for rev, kind, tbl, row_id, deleted, data, _ in items:
        if kind == 0:
            parts.append(f'{{"op":"exit","tbl":{quote(tbl)},"id":{quote(row_id)},"rev":{rev}}}')
            continue
        assert data is not None
        if tbl in hidden:
            values = json.loads(data)
            for name in hidden[tbl]:
                values.pop(name, None)
            data = dumps(values, ensure_ascii=False, separators=(",", ":"))
        parts.append(
            f'{{"op":"put","tbl":{quote(tbl)},"id":{quote(row_id)},"rev":{rev},'
            f'"deleted":{"true" if deleted else "false"},"data":{data}}}'
        )
    scope = None if dev.scope is None else sorted(dev.scope)
    head_json = (
        f'{{"epoch":{dumps(epoch)},"cursor":{dumps(cur.encode())},'
        f'"more":{"true" if more else "false"},"reset":{"true" if reset else "false"},'
        f'"seen_rev":{seen},"server_ms":{time.time_ns() // 1_000_000},'
        f'"clock":{dumps(latest_clock(i[6] for i in items))},'
        f'"role":{dumps(dev.role.name)},"scope":{dumps(scope)},"records":['
    )
    return PageJson(head_json + ",".join(parts) + "]}", more)


def touch_pull(conn: Connection, dev: Device, pending: int | None = None) -> None:
    """Record that the device finished a pull, and the changes it reported waiting in
    its outbox (``None``: it did not report them; what it reported before is kept)."""
    now = utcnow()
    values: dict[str, Any] = {"last_pull_at": now}
    if pending is not None:
        values.update(reported_pending=pending, reported_at=now)
    conn.execute(update(t.device).where(t.device.c.id == dev.id).values(**values))


def conflicts_after(
    conn: Connection, schema: SyncSchema, dev: Device, after: int, limit: int
) -> list[ConflictInfo]:
    """Conflicts in the device's scope recorded or resolved after revision ``after``.

    They pass the same role filter as records: a conflict on a field the device's
    role may not see is never sent (neither side's value).
    """
    c = t.conflict.c
    rows = conn.execute(
        select(t.conflict)
        .where(_in_scope(c.scope, dev), _visible(c, schema, dev), c.rev > after)
        .order_by(c.rev, c.id)
        .limit(limit)
    )
    return [
        ConflictInfo(
            id=row.id,
            tbl=row.tbl,
            row_id=row.row_id,
            field=row.field,
            winner_value=json.loads(row.winner_value),
            winner_hlc=row.winner_hlc,
            winner_device=row.winner_device,
            loser_value=json.loads(row.loser_value),
            loser_hlc=row.loser_hlc,
            loser_device=row.loser_device,
            rev=int(row.rev),
            created_at=row.created_at.isoformat(timespec="seconds") if row.created_at else "",
            resolved=row.resolved_at is not None,
        )
        for row in rows
    ]
