"""Scope follow: a child record belongs wherever its scope parent belongs.

A table with :attr:`sync.schema.TableSpec.scope_parent` keeps its scope field
equal to its parent's scope. A child written under a stale scope goes to its
parent's current one (:func:`follow_parent`); when a parent moves, its stored
children move with it in the same transaction (:func:`carry_children`); every
scope a record left gets an exit row for the devices there (:func:`exit_rows`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from sync.schema import SyncSchema, TableSpec
from sync.server.records import ALL_FIELDS, Key, StoredRecord, load_children

__all__ = ["carry_children", "exit_rows", "follow_parent", "move", "parent_scope"]


def move(rec: StoredRecord, scope_field: str, scope: str, clock: list[Any] | None) -> None:
    """Put ``rec`` under ``scope`` (its scope field too, with ``clock`` as that field's clock)."""
    rec.moved_from.add(rec.scope)
    rec.scope = scope
    rec.data[scope_field] = scope
    if clock is not None:
        rec.clocks[scope_field] = clock
    rec.dirty = True


def parent_scope(
    spec: TableSpec,
    parent_id: Any,
    recs: dict[Key, StoredRecord],
    parent_scopes: dict[Key, str],
) -> str | None:
    """The scope of the parent ``parent_id`` of a row of ``spec`` (None: none known).

    The parent is looked up among the records of this write first (it may have
    moved in it), then among the stored scopes.
    """
    if spec.scope_parent is None or not isinstance(parent_id, str):
        return None
    parent_tbl = spec.scope_parent[1]
    parent = recs.get((parent_tbl, parent_id))
    return parent.scope if parent is not None else parent_scopes.get((parent_tbl, parent_id))


def follow_parent(
    spec: TableSpec,
    rec: StoredRecord,
    clock: list[Any],
    recs: dict[Key, StoredRecord],
    parent_scopes: dict[Key, str],
) -> None:
    """Put a child row where its parent is (the parent as of this change)."""
    assert spec.scope_parent is not None
    assert spec.scope_field is not None
    scope = parent_scope(spec, rec.data.get(spec.scope_parent[0]), recs, parent_scopes)
    if scope is None or scope == rec.scope:
        return
    move(rec, spec.scope_field, scope, clock)


def _moved(recs: dict[Key, StoredRecord], tbl: str) -> dict[str, StoredRecord]:
    """The records of table ``tbl`` in this write whose scope changed (or that are new)."""
    return {
        row_id: rec for (t, row_id), rec in recs.items() if t == tbl and rec.scope != rec.old_scope
    }


def carry_children(conn: Connection, schema: SyncSchema, recs: dict[Key, StoredRecord]) -> None:
    """Children follow parents this write moved (or made): same scope, same transaction.

    Tables are visited parents first, so a moved child that is itself a parent
    carries its own children along too. A child's scope field takes the clock of
    the parent's scope field; devices of the old scope get an exit.
    """
    for parent_spec in schema.tables:
        kids = schema.children(parent_spec.name)
        moved = _moved(recs, parent_spec.name) if kids else {}
        if not moved:
            continue
        for spec in kids:
            for row_id, rec in load_children(conn, spec.name, moved).items():
                recs.setdefault((spec.name, row_id), rec)
            _follow_moved(spec, parent_spec, moved, recs)


def _follow_moved(
    spec: TableSpec,
    parent_spec: TableSpec,
    moved: dict[str, StoredRecord],
    recs: dict[Key, StoredRecord],
) -> None:
    """Move the records of child table ``spec`` whose parent is among ``moved``."""
    assert spec.scope_parent is not None
    assert spec.scope_field is not None
    link = spec.scope_parent[0]
    for (tbl, _row_id), rec in recs.items():
        parent_id = rec.data.get(link) if tbl == spec.name else None
        parent = moved.get(parent_id) if isinstance(parent_id, str) else None
        if parent is None or parent.scope == rec.scope:
            continue
        clock = parent.clocks.get(parent_spec.scope_field or "", parent.clocks.get(ALL_FIELDS))
        move(rec, spec.scope_field, parent.scope, None if clock is None else list(clock))


def exit_rows(recs: dict[Key, StoredRecord], rev: int) -> list[dict[str, Any]]:
    """Exit rows for every scope a record left: where it was stored, or was claimed."""
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
