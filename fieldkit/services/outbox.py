"""The outbox as people see it: changes waiting, changes rejected, the last sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fieldkit.errors import FieldkitError, error_from_json
from fieldkit.lazy import lazy_exports

if TYPE_CHECKING:
    from fieldkit.store import Store
    from fieldkit.store.outbox_status import OutboxStatus, RejectedChange

__all__ = ["Outbox", "OutboxStatus", "RejectedChange", "SyncLine"]


@dataclass(frozen=True)
class SyncLine:
    """What the app's sync line shows."""

    pending: int = 0
    rejected: int = 0
    last_sync_at: str | None = None
    enrolled: bool = False
    last_error: str = ""
    """The last sync's problem as the engine said it (English, for logs)."""
    last_problem: FieldkitError | None = field(default=None, compare=False)
    """The same problem, to show in the interface language (:func:`fieldkit.errors.describe`)."""


class Outbox:
    """Reading the outbox's state (one query for every screen and command)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def status(self) -> OutboxStatus:
        """Pending changes per table and the rejected changes with their reasons."""
        from fieldkit.store.outbox_status import outbox_status

        return outbox_status(self._store)

    def sync_line(self) -> SyncLine:
        """Counts of waiting and rejected changes, the last sync and its problem."""
        from fieldkit.store.outbox_status import outbox_status

        status = outbox_status(self._store, limit=0)
        meta = self._store.meta
        return SyncLine(
            pending=status.pending,
            rejected=status.rejected_count,
            last_sync_at=meta("last_sync_at"),
            enrolled=bool(meta("device_token")),
            last_error=meta("last_sync_error") or "",
            last_problem=self.last_problem(),
        )

    def last_problem(self) -> FieldkitError | None:
        """The problem that stopped the last sync (None after one that completed)."""
        kept = self._store.meta("last_sync_problem")
        if kept:
            return error_from_json(kept)
        text = self._store.meta("last_sync_error")  # kept by an older version: English only
        return FieldkitError(text) if text else None


# the sync line is shown before the store's SQL library is loaded
__getattr__ = lazy_exports(
    __name__,
    {name: "fieldkit.store.outbox_status" for name in ("OutboxStatus", "RejectedChange")},
)
