"""Conflicts on a person's file: what HQ kept and what it set aside, and picking a value.

A conflict is shown with both values; an administrator picks one, which is saved
as a normal change of that field (its outbox entry reaches HQ and every laptop at
the next sync) and settles the conflict on this laptop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store import Store
from fieldkit.store.conflicts import ConflictSide, PickError, open_conflicts, pick_value
from fieldkit.store.tables import ConflictMarker
from fieldkit.sync_schema import ADMIN

__all__ = ["ADMIN_ROLE", "ConflictSide", "Conflicts", "NotAllowed", "OpenConflict", "PickError"]

ADMIN_ROLE = ADMIN
"""The role that may settle conflicts on a laptop."""


class NotAllowed(FieldkitError):
    """This laptop's user may not do that."""


@dataclass(frozen=True)
class OpenConflict:
    """An unsettled conflict on one field: the value kept (``winner``) and the one set aside."""

    id: int
    table: str
    row_id: str
    field: str
    winner: object
    loser: object
    winner_device: str
    loser_device: str
    created_at: str

    @classmethod
    def of(cls, marker: ConflictMarker) -> OpenConflict:
        """A stored marker with its values decoded from JSON."""
        return cls(
            id=marker.id,
            table=marker.tbl,
            row_id=marker.row_id,
            field=marker.field,
            winner=json.loads(marker.winner_value),
            loser=json.loads(marker.loser_value),
            winner_device=marker.winner_device,
            loser_device=marker.loser_device,
            created_at=marker.created_at,
        )


class Conflicts:
    """Reading and settling conflict markers pulled from HQ."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def open_on(self, row_id: str) -> list[OpenConflict]:
        """Unsettled conflicts on the record ``row_id`` (a person), oldest first."""
        return [OpenConflict.of(m) for m in open_conflicts(self._store, row_id)]

    def can_pick(self) -> bool:
        """Whether this laptop's user (an administrator) may settle conflicts."""
        return self._store.meta("role") == ADMIN_ROLE

    def pick(self, conflict_id: int, side: ConflictSide) -> None:
        """Save the value of ``side`` as a change of the field and settle the conflict.

        Raises :class:`NotAllowed` for a user who is not an administrator and
        :class:`PickError` for a conflict already settled or a record gone.
        """
        if not self.can_pick():
            raise NotAllowed(
                N_("Only an administrator can settle a conflict"),
                hint=N_("Ask an administrator to pick the value on their laptop."),
            )
        pick_value(self._store, conflict_id, side)
