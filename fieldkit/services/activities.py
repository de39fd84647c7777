"""The list of past volunteer service activities (the record itself opens read-only)."""

from __future__ import annotations

from fieldkit.store import Store
from fieldkit.store.activities import ActivityPage, ActivityRow, activity_page

__all__ = ["ACTIVITY_PAGE", "Activities", "ActivityPage", "ActivityRow"]

ACTIVITY_PAGE = 100
"""Activities listed at a time."""


class Activities:
    """Reading the service activities recorded or received on this laptop."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def page(self, offset: int = 0, limit: int = ACTIVITY_PAGE) -> ActivityPage:
        """The activities from ``offset``, newest first, and their total."""
        return activity_page(self._store, offset=max(0, offset), limit=limit)
