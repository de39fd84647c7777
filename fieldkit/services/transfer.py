"""Files in and out of a store: bureau spreadsheets in, JSON Lines out."""

from __future__ import annotations

from pathlib import Path

from fieldkit.exporting import export_jsonl
from fieldkit.importing import (
    ImportProgress,
    ImportRejected,
    ProgressCallback,
    RosterReport,
    VisitsReport,
    import_roster,
)
from fieldkit.importing import import_visits as _import_visits
from fieldkit.store import Store

__all__ = ["ImportProgress", "ImportRejected", "ProgressCallback", "RosterReport", "Transfer",
           "VisitsReport"]  # fmt: skip


class Transfer:
    """Importing spreadsheets into the store and exporting it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def import_roster(self, path: Path, progress: ProgressCallback | None = None) -> RosterReport:
        """Import a roster (all rows or none); raises :class:`ImportRejected`.

        ``progress`` is told the rows read and written after every chunk.
        """
        return import_roster(self._store, path, progress=progress)

    def import_visits(self, path: Path) -> VisitsReport:
        """Import paper visits (all rows or none); raises :class:`ImportRejected`."""
        return _import_visits(self._store, path)

    def export(self, target: Path) -> dict[str, int]:
        """Write the whole store to ``target`` as JSON Lines; returns counts per kind."""
        return export_jsonl(self._store, target)
