"""Correcting and voiding saved records: visits, consultations, status events, activities.

Both are synced changes of the record plus an append-only amendment row (old and new
values, reason, who, device, when): nothing recorded is overwritten or removed
without its trace. A void needs a reason. A user may not correct a field their role
never receives (a volunteer and the money of a visit), and the old and new values of
such fields travel in the amendment's part that such roles never receive.
Bad input raises :class:`RecordError` (a :class:`fieldkit.errors.FieldkitError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.domain.models import RecordAmendment
from fieldkit.store import Store
from fieldkit.store.amendments import (
    CORRECTABLE,
    TABLES,
    Amendment,
    AmendmentRules,
    correct_record,
    void_record,
)
from fieldkit.store.records import RecordError
from fieldkit.sync_schema import ROLES

__all__ = ["CORRECTABLE", "Amender", "Amendment", "RecordError"]


def _split() -> dict[str, frozenset[str]]:
    """Per table, the fields some role never receives."""
    out: dict[str, frozenset[str]] = {}
    for table in TABLES.values():
        name = str(table.__tablename__)
        hidden = frozenset().union(*(role.hidden_in(name) for role in ROLES))
        if hidden:
            out[name] = hidden
    return out


class Amender:
    """Corrections and voids of saved records, on behalf of the enrolled user."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _rules(self) -> AmendmentRules:
        role = ROLES.get(self._store.meta("role") or "")
        forbidden = {
            str(t.__tablename__): role.hidden_in(str(t.__tablename__))
            for t in TABLES.values()
            if role is not None
        }
        return AmendmentRules(
            user=self._store.meta("user_name") or "", forbidden=forbidden, split=_split()
        )

    def correctable(self, kind: str) -> frozenset[str]:
        """The fields of ``kind`` this user may correct."""
        fields = CORRECTABLE.get(kind, {})
        table = TABLES.get(kind)
        if table is None:
            return frozenset()
        hidden = self._rules().forbidden.get(str(table.__tablename__), frozenset())
        return frozenset(fields) - hidden

    def correct(
        self, kind: str, row_id: str, changes: Mapping[str, Any], reason: str = ""
    ) -> RecordAmendment:
        """Change fields of a saved record of ``kind`` (visit, consultation, activity,
        event); the old values stay in the amendment row."""
        return correct_record(self._store, kind, row_id, changes, reason, self._rules())

    def void(self, kind: str, row_id: str, reason: str) -> RecordAmendment:
        """Void a saved record with a reason (required): it is counted nowhere after."""
        return void_record(self._store, kind, row_id, reason, self._rules())
