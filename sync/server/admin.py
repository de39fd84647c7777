"""What an administrator does at headquarters: users, enrollment codes, devices, conflicts.

Each function works inside the caller's transaction (``conn``) and raises
:class:`AdminError` with a message fit for the command line; its
:attr:`AdminError.next_step` says what the administrator can do next, for the
application to word as its own command.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update

from sync.protocol import ID_PATTERN, EnrollReply
from sync.roles import Roles
from sync.schema import EVERY_DEVICE, SyncSchema
from sync.server import tables as t
from sync.server.auth import (
    hash_secret,
    new_code,
    new_token,
    normalize_code,
    scope_from_text,
    utcnow,
)
from sync.server.hq_writes import HqEdit, HqWriteRefused, write_at_hq
from sync.server.records import next_rev
from sync.server.settings import OnWritten

__all__ = [
    "AdminError",
    "ConflictRow",
    "DeviceIdTaken",
    "DeviceRow",
    "EnrollmentError",
    "NextStep",
    "add_user",
    "create_code",
    "list_conflicts",
    "list_devices",
    "new_epoch",
    "redeem_code",
    "resolve_conflict",
    "revoke_device",
    "scope_labels",
    "settle_conflict",
]


_ID = re.compile(ID_PATTERN)


class NextStep(StrEnum):
    """What an administrator can do about an :class:`AdminError`."""

    ADD_USER = "add_user"
    LIST_DEVICES = "list_devices"
    LIST_CONFLICTS = "list_conflicts"


class AdminError(ValueError):
    """An administrative request that cannot be done; ``next_step`` says what helps."""

    def __init__(self, message: str, next_step: NextStep | None = None) -> None:
        super().__init__(message)
        self.next_step = next_step


class EnrollmentError(AdminError):
    """An enrollment code that is unknown, used or expired."""


class DeviceIdTaken(EnrollmentError):
    """An enrollment naming a device id HQ already knows, by another enrollment."""


def add_user(conn: Connection, roles: Roles, name: str, role: str, scope: list[str] | None) -> bool:
    """Create the user ``name`` or update its role and scope; True if it was new.

    ``scope`` lists the user's scope keys; a role that sees everything needs none.
    """
    spec = roles.get(role)
    if spec is None:
        raise AdminError(f"unknown role {role!r}; use one of {', '.join(roles.names)}")
    if not name.strip():
        raise AdminError("a user needs a name")
    if not spec.everything and not scope:
        raise AdminError(f"a {role} sees only the scope keys given to it: give at least one")
    odd = sorted(k for k in scope or () if k == EVERY_DEVICE or not _ID.fullmatch(k))
    if odd:
        raise AdminError(f"{odd} cannot be scope keys: a scope key is the id of a record")
    scope_text = "*" if spec.everything or scope is None else json.dumps(sorted(set(scope)))
    row = conn.execute(select(t.user.c.id).where(t.user.c.name == name)).first()
    if row is None:
        conn.execute(
            insert(t.user).values(name=name, role=role, scope=scope_text, created_at=utcnow())
        )
        return True
    conn.execute(update(t.user).where(t.user.c.id == row.id).values(role=role, scope=scope_text))
    return False


def create_code(
    conn: Connection, name: str, ttl: timedelta, device_id: str | None = None
) -> tuple[str, datetime]:
    """A one-time enrollment code for user ``name`` and when it expires.

    With ``device_id`` (a device HQ knows, e.g. one that was revoked), the code
    enrolls that device again and nothing else: it keeps its id and watermark,
    and its change sequence carries on.
    """
    row = conn.execute(select(t.user.c.id).where(t.user.c.name == name)).first()
    if row is None:
        raise AdminError(f"no user named {name!r}; add it first", NextStep.ADD_USER)
    if device_id is not None:
        device_id = _known_device(conn, device_id)
    code = new_code()
    now = utcnow()
    conn.execute(
        insert(t.enrollment).values(
            code_hash=hash_secret(code),
            user_id=row.id,
            created_at=now,
            expires_at=now + ttl,
            device_id=device_id,
        )
    )
    return code, now + ttl


def _known_device(conn: Connection, device: str) -> str:
    """The id of the one device whose id starts with ``device`` (or named so)."""
    d = t.device.c
    rows = conn.execute(
        select(d.id).where((d.id.startswith(device, autoescape=True)) | (d.name == device))
    ).all()
    if not rows:
        raise AdminError(f"no device {device!r}", NextStep.LIST_DEVICES)
    if len(rows) > 1:
        raise AdminError(f"{device!r} matches {len(rows)} devices; give more of the id")
    return str(rows[0].id)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _answer_lost(conn: Connection, code: Any, device_id: str) -> bool:
    """Whether the spent ``code`` was spent by ``device_id`` and its token never used."""
    if code.device_id != device_id:
        return False
    d = t.device.c
    dev = conn.execute(
        select(d.user_id, d.revoked_at, d.last_push_at, d.last_pull_at).where(d.id == device_id)
    ).first()
    if dev is None or dev.revoked_at is not None or dev.user_id != code.user_id:
        return False
    spent = _aware(code.used_at)
    seen = (dev.last_push_at, dev.last_pull_at)
    return all(at is None or _aware(at) < spent for at in seen)


def _check_device_id(conn: Connection, row: Any, device_id: str) -> None:
    """A device id belongs to one enrollment: refuse one HQ knows from another.

    Device ids are seen by other devices (conflicts name them), so presenting one
    proves nothing: taking over a known id would hand its watermark (and so the
    fate of its next changes) to someone else. The same enrollment may present it
    again (the answer was lost), and so may a code HQ made for that very device.
    """
    if row.device_id == device_id:
        return
    known = conn.execute(select(t.device.c.id).where(t.device.c.id == device_id)).first()
    if known is not None:
        raise DeviceIdTaken(
            f"device id {device_id} is already enrolled at headquarters: a device id "
            "belongs to one enrollment. If this is that device (revoked, or its token "
            "lost), ask headquarters for an enrollment code made for this device"
        )


def redeem_code(
    conn: Connection, roles: Roles, code: str, device_id: str, device_name: str = ""
) -> EnrollReply:
    """Trade a valid code for a device token (the code is spent).

    The device keeps the id it made for itself (the node of its clocks); an id
    HQ already knows is refused (:class:`DeviceIdTaken`) unless the code was made
    for that device (:func:`create_code`), which then gets a new token and keeps
    its watermark, so its change sequence carries on. A code made for a device
    enrolls no other.

    A spent code is refused, except to the device that spent it when that device's
    answer was evidently lost: the code has not expired, the device is not revoked
    and has not pushed or pulled since. It gets a fresh token that replaces the
    one it never received (only one token of a device is ever valid).
    """
    e = t.enrollment.c
    row = conn.execute(
        select(e.code_hash, e.user_id, e.expires_at, e.used_at, e.device_id).where(
            e.code_hash == hash_secret(normalize_code(code))
        )
    ).first()
    now = utcnow()
    if row is None:
        raise EnrollmentError("unknown enrollment code: check it, or ask HQ for a new one")
    if row.used_at is not None and not _answer_lost(conn, row, device_id):
        raise EnrollmentError("this enrollment code was already used: ask HQ for a new one")
    if row.used_at is None and row.device_id not in (None, device_id):
        raise EnrollmentError("this enrollment code was made for another device")
    if _aware(row.expires_at) < now:
        raise EnrollmentError("this enrollment code has expired: ask HQ for a new one")
    _check_device_id(conn, row, device_id)
    user = conn.execute(select(t.user).where(t.user.c.id == row.user_id)).one()
    role = roles.get(user.role)
    if role is None:
        raise EnrollmentError(
            f"{user.name}'s role {user.role!r} is not one headquarters serves: "
            "ask HQ to give the user another role"
        )
    token = new_token()
    name = device_name or f"{user.name}'s device"
    known = conn.execute(select(t.device.c.id).where(t.device.c.id == device_id)).first()
    if known is None:
        conn.execute(
            insert(t.device).values(
                id=device_id,
                user_id=user.id,
                name=name,
                token_hash=hash_secret(token),
                watermark=0,
                created_at=now,
            )
        )
    else:
        conn.execute(
            update(t.device)
            .where(t.device.c.id == device_id)
            .values(user_id=user.id, name=name, token_hash=hash_secret(token), revoked_at=None)
        )
    conn.execute(
        update(t.enrollment)
        .where(e.code_hash == row.code_hash)
        .values(used_at=now, device_id=device_id)
    )
    scope = scope_from_text(role, user.scope)
    return EnrollReply(
        device_id=device_id,
        token=token,
        user=user.name,
        role=user.role,
        scope=None if scope is None else sorted(scope),
    )


@dataclass(frozen=True)
class DeviceRow:
    """A device as the administrator's list shows it."""

    id: str
    name: str
    user: str
    role: str
    created_at: datetime
    last_push_at: datetime | None
    last_pull_at: datetime | None
    revoked_at: datetime | None
    watermark: int
    reported_pending: int | None = None
    """Changes waiting in its outbox at its last pull, as it reported (None: never)."""
    reported_at: datetime | None = None


def list_devices(conn: Connection) -> list[DeviceRow]:
    """All devices, newest first."""
    d = t.device.c
    rows = conn.execute(
        select(
            d.id,
            d.name,
            t.user.c.name.label("user"),
            t.user.c.role,
            d.created_at,
            d.last_push_at,
            d.last_pull_at,
            d.revoked_at,
            d.watermark,
            d.reported_pending,
            d.reported_at,
        )
        .join(t.user, t.user.c.id == d.user_id)
        .order_by(d.created_at.desc())
    )
    return [DeviceRow(**row._mapping) for row in rows]


def revoke_device(conn: Connection, device: str) -> str:
    """Revoke the device whose id starts with ``device`` (or named so); returns its id."""
    device_id = _known_device(conn, device)
    conn.execute(update(t.device).where(t.device.c.id == device_id).values(revoked_at=utcnow()))
    return device_id


@dataclass(frozen=True)
class ConflictRow:
    """A recorded conflict, values decoded."""

    id: int
    tbl: str
    row_id: str
    field: str
    winner_value: Any
    winner_device: str
    loser_value: Any
    loser_device: str
    created_at: datetime
    resolved_at: datetime | None


def list_conflicts(conn: Connection, *, include_resolved: bool = False) -> list[ConflictRow]:
    """Conflicts, oldest first (open ones only unless asked)."""
    c = t.conflict.c
    query = select(t.conflict).order_by(c.id)
    if not include_resolved:
        query = query.where(c.resolved_at.is_(None))
    return [
        ConflictRow(
            id=row.id,
            tbl=row.tbl,
            row_id=row.row_id,
            field=row.field,
            winner_value=json.loads(row.winner_value),
            winner_device=row.winner_device,
            loser_value=json.loads(row.loser_value),
            loser_device=row.loser_device,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
        )
        for row in conn.execute(query)
    ]


def resolve_conflict(conn: Connection, conflict_id: int, by: str) -> None:
    """Mark a conflict reviewed, the value that won standing (devices learn it at their
    next sync)."""
    _mark_resolved(conn, conflict_id, by, next_rev(conn))


def _mark_resolved(conn: Connection, conflict_id: int, by: str, rev: int) -> None:
    done = conn.execute(
        update(t.conflict)
        .where(t.conflict.c.id == conflict_id, t.conflict.c.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by=by, rev=rev)
    )
    if done.rowcount != 1:
        raise AdminError(f"no open conflict {conflict_id}", NextStep.LIST_CONFLICTS)


def settle_conflict(
    conn: Connection,
    schema: SyncSchema,
    conflict_id: int,
    by: str,
    keep: Literal["winner", "loser"],
    on_written: OnWritten | None = None,
) -> Any:
    """Resolve a conflict with the value an administrator picked; returns that value.

    The value is written at HQ as a normal synced change (it wins over the field's
    current value and reaches the devices in scope at their next pull), and the
    conflict is marked resolved at the same revision.
    """
    c = t.conflict.c
    row = conn.execute(
        select(c.tbl, c.row_id, c.field, c.winner_value, c.loser_value).where(
            c.id == conflict_id, c.resolved_at.is_(None)
        )
    ).first()
    if row is None:
        raise AdminError(f"no open conflict {conflict_id}", NextStep.LIST_CONFLICTS)
    r = t.record.c
    stored = conn.execute(select(r.id).where(r.tbl == row.tbl, r.id == row.row_id)).first()
    if stored is None:
        raise AdminError(f"{row.tbl} {row.row_id} of conflict {conflict_id} is not at HQ")
    value = json.loads(row.winner_value if keep == "winner" else row.loser_value)
    try:
        edit = HqEdit(row.tbl, row.row_id, {row.field: value})
        rev = write_at_hq(conn, schema, [edit], user=by, on_written=on_written)
    except HqWriteRefused as err:
        raise AdminError(f"conflict {conflict_id}: {err}") from err
    _mark_resolved(conn, conflict_id, by, rev)
    return value


def new_epoch(conn: Connection) -> str:
    """Give the database a new epoch (after restoring a backup): devices pull again."""
    epoch = secrets.token_hex(6)
    conn.execute(update(t.server_state).where(t.server_state.c.id == 1).values(epoch=epoch))
    return epoch


def scope_labels(conn: Connection, schema: SyncSchema, label_field: str = "name") -> dict[str, str]:
    """Scope key -> label, from the records of the tables that are their own scope key."""
    names = [s.name for s in schema.scope_tables]
    out: dict[str, str] = {}
    if not names:
        return out
    r = t.record.c
    for row in conn.execute(select(r.id, r.data).where(r.tbl.in_(names), r.deleted.is_(False))):
        label = json.loads(row.data).get(label_field)
        out[row.id] = str(label) if label is not None else row.id
    return out
