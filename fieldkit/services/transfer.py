"""Files in and out of a store: bureau spreadsheets in, JSON Lines out."""

from __future__ import annotations

from pathlib import Path

from fieldkit.exporting import export_jsonl
from fieldkit.importing import ImportRejected, RosterReport, VisitsReport, import_roster
from fieldkit.importing import import_visits as _import_visits
from fieldkit.store import Store

__all__ = ["ImportRejected", "RosterReport", "Transfer", "VisitsReport"]


class Transfer:
    """Importing spreadsheets into the store and exporting it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def import_roster(self, path: Path) -> RosterReport:
        """Import a roster (all rows or none); raises :class:`ImportRejected`."""
        return import_roster(self._store, path)

    def import_visits(self, path: Path) -> VisitsReport:
        """Import paper visits (all rows or none); raises :class:`ImportRejected`."""
        return _import_visits(self._store, path)

    def export(self, target: Path) -> dict[str, int]:
        """Write the whole store to ``target`` as JSON Lines; returns counts per kind."""
        return export_jsonl(self._store, target)
