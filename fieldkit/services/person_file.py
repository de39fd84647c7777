"""A person's file: the person, their care plan, timeline and follow-ups owed."""

from __future__ import annotations

from fieldkit.store import Store
from fieldkit.store.roster import FollowUp, PersonFile, TimelineEntry, person_file

__all__ = ["FollowUp", "PersonFile", "PersonFiles", "TimelineEntry"]


class PersonFiles:
    """Reading persons' files."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, person_id: str) -> PersonFile | None:
        """The whole file of ``person_id``, or None when no such person is in the store."""
        return person_file(self._store, person_id)
