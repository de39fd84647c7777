"""The outbox: every local change to a synced table, captured in its own transaction.

A ``before_flush`` hook on store sessions turns each new or modified row of a
synced table into an :class:`~fieldkit.store.tables.OutboxEntry` carrying the
changed fields, a fresh HLC timestamp and the server revision seen so far. No
code path can write a synced row without its outbox entry, and both commit or
roll back together. Sessions that apply changes pulled from HQ set
``session.info["remote"] = True`` and are not captured.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from fieldkit.domain.models import SYNCED_TABLES, Person
from fieldkit.domain.search_keys import name_keys
from fieldkit.store.tables import LocalMeta, OutboxEntry
from fieldkit.store.wire import to_wire
from sync.hlc import HLC

__all__ = [
    "LOCAL_ONLY_COLUMNS",
    "StoreError",
    "capture_changes",
    "meta_get",
    "meta_set",
    "synced_columns",
]

LOCAL_ONLY_COLUMNS = frozenset({"search_full", "search_initials"})
_SYNCED: dict[type[SQLModel], str] = {model: str(model.__tablename__) for model in SYNCED_TABLES}
_ORDER = {model: i for i, model in enumerate(SYNCED_TABLES)}


class StoreError(RuntimeError):
    """A write the store refuses, with what to do instead."""


def synced_columns(model: type[SQLModel]) -> list[str]:
    """The columns of a synced table that travel to HQ (all but id and local ones)."""
    table = SQLModel.metadata.tables[str(model.__tablename__)]
    return [c.name for c in table.columns if c.name != "id" and c.name not in LOCAL_ONLY_COLUMNS]


def meta_get(session: Session, key: str) -> str | None:
    """Read a local setting inside the session's transaction, without autoflush."""
    row = session.connection().execute(select(LocalMeta.value).where(LocalMeta.key == key))  # type: ignore[call-overload]
    return row.scalar_one_or_none()


def meta_set(session: Session, key: str, value: str) -> None:
    """Write a local setting inside the session's transaction."""
    stmt = sqlite_insert(SQLModel.metadata.tables["local_meta"]).values(key=key, value=value)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value})
    session.connection().execute(stmt)


def _derive(obj: SQLModel) -> None:
    if isinstance(obj, Person):
        obj.search_full, obj.search_initials = name_keys(obj.name)


def _changed_fields(obj: SQLModel, new: bool) -> dict[str, Any]:
    columns = synced_columns(type(obj))
    if new:
        return {c: to_wire(getattr(obj, c)) for c in columns}
    state = sa_inspect(obj)
    changed: dict[str, Any] = {}
    for c in columns:
        hist = state.attrs[c].history
        if hist.has_changes() and list(hist.deleted) != list(hist.added):
            changed[c] = to_wire(getattr(obj, c))
    return changed


def _refuse_deletes(session: Session) -> None:
    """Synced rows are tombstoned, never deleted (HQ would never hear of a delete)."""
    for obj in session.deleted:
        if type(obj) in _SYNCED:
            raise StoreError(
                f"{type(obj).__name__} rows are never deleted; set deleted=True so the "
                "deletion reaches headquarters as a tombstone"
            )


def _pending_changes(session: Session) -> list[tuple[str, str, dict[str, Any]]]:
    """(table, row id, changed fields) of every synced row this flush adds or changes."""
    pending: list[tuple[str, str, dict[str, Any]]] = []
    # New rows go parents first (SYNCED_TABLES order) so HQ never sees an orphan.
    for obj in sorted(session.new, key=lambda o: _ORDER.get(type(o), -1)):
        if type(obj) in _SYNCED:
            pending.append((_SYNCED[type(obj)], str(obj.id), _changed_fields(obj, new=True)))
    for obj in list(session.dirty):
        if type(obj) in _SYNCED and session.is_modified(obj, include_collections=False):
            data = _changed_fields(obj, new=False)
            if data:
                pending.append((_SYNCED[type(obj)], str(obj.id), data))
    return pending


def capture_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """``before_flush`` hook: derive local columns, then queue outbox entries."""
    for obj in list(session.new) + list(session.dirty):
        _derive(obj)
    if session.info.get("remote"):
        return
    _refuse_deletes(session)
    pending = _pending_changes(session)
    if not pending:
        return
    device_id = meta_get(session, "device_id")
    if device_id is None:
        raise StoreError("this store has no device id; open it with fieldkit.store.Store")
    clock = HLC(node=device_id, last=meta_get(session, "hlc") or "")
    seen_rev = int(meta_get(session, "pull_rev") or 0)
    for tbl, row_id, data in pending:
        session.add(
            OutboxEntry(
                tbl=tbl,
                row_id=row_id,
                data=json.dumps(data, ensure_ascii=False, sort_keys=True),
                hlc=clock.now(),
                seen_rev=seen_rev,
            )
        )
    meta_set(session, "hlc", clock.last)
