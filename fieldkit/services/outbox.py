"""The outbox as people see it: changes waiting, changes rejected, the last sync."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.store import Store
from fieldkit.store.outbox_status import OutboxStatus, RejectedChange, outbox_status

__all__ = ["Outbox", "OutboxStatus", "RejectedChange", "SyncLine"]


@dataclass(frozen=True)
class SyncLine:
    """What the app's sync line shows."""

    pending: int = 0
    rejected: int = 0
    last_sync_at: str | None = None
    enrolled: bool = False
    last_error: str = ""


class Outbox:
    """Reading the outbox's state (one query for every screen and command)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def status(self) -> OutboxStatus:
        """Pending changes per table and the rejected changes with their reasons."""
        return outbox_status(self._store)

    def sync_line(self) -> SyncLine:
        """Counts of waiting and rejected changes, the last sync and its problem."""
        status = outbox_status(self._store, limit=0)
        meta = self._store.meta
        return SyncLine(
            pending=status.pending,
            rejected=status.rejected_count,
            last_sync_at=meta("last_sync_at"),
            enrolled=bool(meta("device_token")),
            last_error=meta("last_sync_error") or "",
        )
