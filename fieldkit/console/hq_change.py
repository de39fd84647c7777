"""Changes authored at HQ (an admin's decision in the console), applied as synced changes.

HQ writes through the same merge path as a laptop's push
(:func:`sync.server.merge.apply_push`), as a device of its own per admin
(``hq-console-<user id>``): the change gets a revision, per-field clocks, children
follow a moved parent, and every laptop in scope pulls it at its next sync. Its
clock is later than every clock on the record, so it wins last-writer-wins, and it
has seen the head revision, so it records no conflict of its own. The device row
has a token nobody holds (only a hash of random bytes is stored), so it can never
sign in to the sync API.

:func:`apply_hq_change` is the one door the console uses; when the sync server
offers its own function for HQ-authored changes, this is where it is wired in.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sqlalchemy import Connection, insert, select

from sync.hlc import Timestamp, format_ts, parse_ts
from sync.protocol import Change
from sync.schema import SyncSchema
from sync.server import tables as t
from sync.server.admin import resolve_conflict
from sync.server.auth import Device, hash_secret, utcnow
from sync.server.merge import apply_push

__all__ = ["HQ_DEVICE_PREFIX", "HqChangeError", "apply_hq_change", "settle_conflict"]

HQ_DEVICE_PREFIX = "hq-console-"
"""Device ids under which the console's changes are recorded (one per admin user)."""


class HqChangeError(ValueError):
    """An HQ change that could not be applied, with the reason HQ gave."""


def _hq_device(conn: Connection, admin: str) -> Device:
    """The console's device for ``admin`` (made on first use), locked for this transaction."""
    user = conn.execute(select(t.user.c.id, t.user.c.role).where(t.user.c.name == admin)).first()
    if user is None or user.role != "admin":
        raise HqChangeError(f"{admin} is not an admin at HQ")
    device_id = f"{HQ_DEVICE_PREFIX}{user.id}"
    d = t.device.c
    row = conn.execute(select(d.watermark).where(d.id == device_id).with_for_update()).first()
    if row is None:
        conn.execute(
            insert(t.device).values(
                id=device_id,
                user_id=user.id,
                name="HQ console",
                token_hash=hash_secret(secrets.token_urlsafe(32)),
                watermark=0,
                created_at=utcnow(),
            )
        )
        watermark = 0
    else:
        watermark = int(row.watermark)
    return Device(
        id=device_id, name="HQ console", user=admin, role="admin", scope=None, watermark=watermark
    )


def _clock_after(clocks: dict[str, Any], node: str, now_ms: int) -> str:
    """An HLC later than every clock on the record (and not before now)."""
    latest = max(
        (parse_ts(str(c[0])) for c in clocks.values() if isinstance(c, list) and c),
        default=None,
    )
    if latest is None or latest.wall_ms < now_ms:
        return format_ts(Timestamp(now_ms, 0, node))
    return format_ts(Timestamp(latest.wall_ms, latest.counter + 1, node))


def apply_hq_change(
    conn: Connection,
    schema: SyncSchema,
    *,
    tbl: str,
    row_id: str,
    values: dict[str, Any],
    admin: str,
) -> int:
    """Set ``values`` on record ``tbl``/``row_id`` as admin ``admin``; returns the revision.

    Runs inside the caller's write transaction. Raises :class:`HqChangeError` when the
    record is unknown or HQ refuses the values (the reason is HQ's).
    """
    r = t.record.c
    found = conn.execute(select(r.clocks).where(r.tbl == tbl, r.id == row_id)).first()
    if found is None:
        raise HqChangeError(f"HQ holds no {tbl} {row_id}")
    dev = _hq_device(conn, admin)
    head = int(conn.execute(select(t.server_state.c.rev)).scalar_one())
    now_ms = time.time_ns() // 1_000_000
    change = Change(
        seq=dev.watermark + 1,
        tbl=tbl,
        id=row_id,
        data=values,
        hlc=_clock_after(json.loads(found.clocks), dev.id, now_ms),
        seen_rev=head,
    )
    out = apply_push(conn, schema, dev, [change], max_drift_ms=5 * 60 * 1000, now_ms=now_ms)
    _seq, status, reason = out.results[0]
    if status not in ("applied", "conflict"):
        raise HqChangeError(reason or status)
    return out.rev


def settle_conflict(
    conn: Connection, schema: SyncSchema, conflict_id: int, keep: str, admin: str
) -> Any:
    """Keep the ``keep`` side ("winner" or "loser") of an open conflict; returns the value.

    The kept value is written as an HQ change when the record holds another value
    now; the conflict is marked resolved by ``admin`` in the same transaction.
    """
    c = t.conflict.c
    row = conn.execute(
        select(c.tbl, c.row_id, c.field, c.winner_value, c.loser_value, c.resolved_at).where(
            c.id == conflict_id
        )
    ).first()
    if row is None or row.resolved_at is not None:
        raise HqChangeError(f"no open conflict {conflict_id}")
    if keep not in ("winner", "loser"):
        raise HqChangeError(f"keep must be winner or loser, not {keep!r}")
    value = json.loads(row.winner_value if keep == "winner" else row.loser_value)
    current = conn.execute(
        select(t.record.c.data).where(t.record.c.tbl == row.tbl, t.record.c.id == row.row_id)
    ).scalar()
    if current is None or json.loads(current).get(row.field) != value:
        apply_hq_change(
            conn, schema, tbl=row.tbl, row_id=row.row_id, values={row.field: value}, admin=admin
        )
    resolve_conflict(conn, conflict_id, by=admin)
    return value
