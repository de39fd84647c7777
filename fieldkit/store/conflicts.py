"""Conflict markers on this laptop: which ones are open, and settling one by picking a value.

HQ keeps the value that won a concurrent edit and records the one that lost; the
laptop pulls those records as markers (:class:`~fieldkit.store.tables.ConflictMarker`).
Picking a value writes it to the row like any edit, in one transaction with its
outbox entry, so it reaches HQ and every other laptop as a normal synced change;
the marker is settled here in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlmodel import SQLModel

from fieldkit.domain.models import SYNCED_TABLES
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store.store import Store
from fieldkit.store.tables import ConflictMarker

__all__ = ["ConflictSide", "PickError", "open_conflicts", "pick_value"]

_MODELS: dict[str, type[SQLModel]] = {str(m.__tablename__): m for m in SYNCED_TABLES}


class ConflictSide(StrEnum):
    """Which of a conflict's two values is picked."""

    WINNER = "winner"
    LOSER = "loser"


class PickError(FieldkitError):
    """A conflict value that cannot be picked (settled already, or its record is gone)."""


@dataclass(frozen=True)
class _Target:
    model: type[SQLModel]
    field: str


def open_conflicts(store: Store, row_id: str) -> list[ConflictMarker]:
    """Unsettled conflicts HQ recorded on the row ``row_id`` (e.g. a person), oldest first."""
    m = ConflictMarker
    with store.read() as s:
        found = list(
            s.scalars(
                select(m)
                .where(m.row_id == row_id, m.resolved.is_(False))  # type: ignore[arg-type,attr-defined]
                .order_by(m.id)  # type: ignore[arg-type]
            )
        )
        s.expunge_all()
    return found


def _target(marker: ConflictMarker) -> _Target:
    model = _MODELS.get(marker.tbl)
    if model is None or marker.field not in model.model_fields or marker.field == "id":
        raise PickError(
            N_("Conflict {id} is about {table}.{field}, which this version does not edit"),
            id=marker.id,
            table=marker.tbl,
            field=marker.field,
        )
    return _Target(model, marker.field)


def _typed(target: _Target, wire_value: Any) -> Any:
    """The wire value (JSON: ISO dates, enum slugs) as the model's field type."""
    annotation = target.model.model_fields[target.field].annotation
    try:
        return TypeAdapter(annotation).validate_python(wire_value)
    except ValidationError:
        raise PickError(
            N_("The value {value} does not fit the field {field}"),
            value=repr(wire_value),
            field=target.field,
        ) from None


def pick_value(store: Store, marker_id: int, side: ConflictSide) -> ConflictMarker:
    """Write the picked value of conflict ``marker_id`` to its row and settle the marker.

    One write transaction: the field (and its outbox entry, when the value differs
    from the one held) and the marker. Returns the settled marker.
    """
    with store.write() as s:
        marker = s.get(ConflictMarker, marker_id)
        if marker is None or marker.resolved:
            raise PickError(
                N_("Conflict {id} is already settled"),
                hint=N_("Reload the file to see its current values."),
                id=marker_id,
            )
        target = _target(marker)
        raw = marker.winner_value if side is ConflictSide.WINNER else marker.loser_value
        value = _typed(target, json.loads(raw))
        row = s.get(target.model, marker.row_id)
        if row is None:
            raise PickError(
                N_("The record of conflict {id} is not on this laptop"),
                hint=N_("Sync, then try again."),
                id=marker_id,
            )
        if getattr(row, target.field) != value:
            setattr(row, target.field, value)
            s.add(row)
        marker.resolved = True
        s.add(marker)
    return marker
