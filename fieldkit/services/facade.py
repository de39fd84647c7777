"""All the services of one laptop store, behind one object the apps hold."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from fieldkit.demo import build_demo_store
from fieldkit.services.activities import Activities
from fieldkit.services.conflicts import Conflicts
from fieldkit.services.drafts import DraftBox
from fieldkit.services.outbox import Outbox
from fieldkit.services.people import People
from fieldkit.services.person_file import PersonFiles
from fieldkit.services.recording import Recorder
from fieldkit.services.roster import Roster
from fieldkit.store import Store

if TYPE_CHECKING:
    from fieldkit.services.amendments import Amender
    from fieldkit.services.cards import Cards
    from fieldkit.services.due import DueVisits
    from fieldkit.services.reports import Reports
    from fieldkit.services.syncing import Sync
    from fieldkit.services.transfer import Transfer

__all__ = ["Services"]


class Services:
    """The use cases of a laptop store: what the TUI, the CLI, cards and reports call.

    Each attribute is one use case (see its module); none of them knows Textual or
    prints anything. Every call may run in a worker thread. The use cases the app
    does not need to show its first screen (due list, sync, imports, cards,
    reports) are loaded when first used: their libraries (the care-plan engine,
    httpx, openpyxl, the drawing code) would slow every start.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.roster = Roster(store)
        self.files = PersonFiles(store)
        self.record = Recorder(store)
        self.people = People(store)
        self.activities = Activities(store)
        self.outbox = Outbox(store)
        self.conflicts = Conflicts(store)
        self.drafts = DraftBox.beside(store.path)

    @cached_property
    def due(self) -> DueVisits:
        """The due list and the county's policy."""
        from fieldkit.services.due import DueVisits

        return DueVisits(self._store)

    @cached_property
    def amend(self) -> Amender:
        """Corrections and voids of saved records."""
        from fieldkit.services.amendments import Amender

        return Amender(self._store)

    @cached_property
    def sync(self) -> Sync:
        """Enrollment and sync with headquarters."""
        from fieldkit.services.syncing import Sync

        return Sync(self._store)

    @cached_property
    def transfer(self) -> Transfer:
        """Spreadsheet imports and the JSON Lines export."""
        from fieldkit.services.transfer import Transfer

        return Transfer(self._store)

    @cached_property
    def cards(self) -> Cards:
        """Printing and reissuing service cards."""
        from fieldkit.services.cards import Cards

        return Cards(self._store)

    @cached_property
    def reports(self) -> Reports:
        """The quarterly statistics tables."""
        from fieldkit.services.reports import Reports

        return Reports(self._store)

    @classmethod
    def open(cls, path: Path) -> Services:
        """The services of the store at ``path`` (created and migrated as needed)."""
        return cls(Store(path))

    @classmethod
    def open_demo(cls, path: Path) -> Services:
        """A new store at ``path`` holding the demo county (``path`` must not exist)."""
        return cls(build_demo_store(path))

    @property
    def path(self) -> Path:
        """The store file."""
        return self._store.path

    def user_name(self) -> str:
        """The user this laptop is enrolled as ("" before enrollment)."""
        return self._store.meta("user_name") or ""

    def role(self) -> str:
        """The user's role at HQ (admin, staff, volunteer; "" before enrollment)."""
        return self._store.meta("role") or ""

    def close(self) -> None:
        """Release the store file."""
        self._store.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
