"""A person's file: the person, their care plan, timeline and follow-ups owed."""

from __future__ import annotations

from fieldkit.store import Store
from fieldkit.store.record_view import RecordView, record_view
from fieldkit.store.roster import FollowUp, PersonFile, TimelineEntry, person_file
from fieldkit.store.voided import voided_timeline

__all__ = ["FollowUp", "PersonFile", "PersonFiles", "RecordView", "TimelineEntry"]


class PersonFiles:
    """Reading persons' files."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, person_id: str) -> PersonFile | None:
        """The whole file of ``person_id``, or None when no such person is in the store.

        Voided records stay in the timeline, marked ``voided``.
        """
        pf = person_file(self._store, person_id)
        if pf is None:
            return None
        voided = voided_timeline(self._store, person_id)
        if voided:
            pf.timeline.extend(voided)
            pf.timeline.sort(key=lambda e: (e.when, e.kind, e.row_id), reverse=True)
        return pf

    def record(self, kind: str, row_id: str) -> RecordView | None:
        """One record of a timeline (``kind`` as in :class:`TimelineEntry`), read-only."""
        return record_view(self._store, kind, row_id)
