"""All the services of one laptop store, behind one object the apps hold."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from fieldkit.services.drafts import DraftBox
from fieldkit.services.opening import StoreOpener
from fieldkit.services.roster import Roster

if TYPE_CHECKING:
    from fieldkit.services.activities import Activities
    from fieldkit.services.amendments import Amender
    from fieldkit.services.cards import Cards
    from fieldkit.services.conflicts import Conflicts
    from fieldkit.services.due import DueVisits
    from fieldkit.services.outbox import Outbox
    from fieldkit.services.people import People
    from fieldkit.services.person_file import PersonFiles
    from fieldkit.services.recording import Recorder
    from fieldkit.services.reports import Reports
    from fieldkit.services.syncing import Sync
    from fieldkit.services.transfer import Transfer
    from fieldkit.store import Store

__all__ = ["Services"]


class Services:
    """The use cases of a laptop store: what the TUI, the CLI, cards and reports call.

    Each attribute is one use case (see its module); none of them knows Textual or
    prints anything. Every call may run in a worker thread. The use cases the app
    does not need to show its first screen (due list, sync, imports, cards,
    reports) are loaded when first used: their libraries (the care-plan engine,
    httpx, openpyxl, the drawing code) would slow every start. So are the others
    but the roster and the drafts, which the first screen reads before the store is
    opened (see :meth:`open`).
    """

    def __init__(self, store: Store | StoreOpener) -> None:
        self._opener = store if isinstance(store, StoreOpener) else StoreOpener.of(store)
        self.roster = Roster(self._opener)
        self.drafts = DraftBox.beside(self._opener.path)

    @property
    def _store(self) -> Store:
        """The store, opened now if it was not yet."""
        return self._opener.store()

    @property
    def opened(self) -> bool:
        """Whether the store is open (:meth:`open` of a ready store defers it)."""
        return self._opener.opened

    def finish_opening(self) -> None:
        """Open the store now if it is not yet (the app does it in a worker after its
        first page, so the first search does not wait for it)."""
        self._opener.store()

    @cached_property
    def files(self) -> PersonFiles:
        """A person's file."""
        from fieldkit.services.person_file import PersonFiles

        return PersonFiles(self._store)

    @cached_property
    def record(self) -> Recorder:
        """Saving visits, consultations, activities, file edits and status events."""
        from fieldkit.services.recording import Recorder

        return Recorder(self._store)

    @cached_property
    def people(self) -> People:
        """Adding persons; who may write which fields of a file."""
        from fieldkit.services.people import People

        return People(self._store)

    @cached_property
    def activities(self) -> Activities:
        """The list of past service activities."""
        from fieldkit.services.activities import Activities

        return Activities(self._store)

    @cached_property
    def outbox(self) -> Outbox:
        """Changes waiting and rejected, the sync line."""
        from fieldkit.services.outbox import Outbox

        return Outbox(self._store)

    @cached_property
    def conflicts(self) -> Conflicts:
        """Conflicts on a file, and picking a value."""
        from fieldkit.services.conflicts import Conflicts

        return Conflicts(self._store)

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
    def open(cls, path: Path, *, before_upgrade: Callable[[Path], None] | None = None) -> Services:
        """The services of the store at ``path`` (created and migrated as needed).

        A store that needs no such work is opened when first used (see
        :class:`~fieldkit.services.opening.StoreOpener`): the app's first page comes
        before SQLAlchemy is loaded. ``before_upgrade`` is called with the path just
        before a store at an older revision is upgraded (to tell the user).
        """
        return cls(StoreOpener.later(path, before_upgrade))

    @classmethod
    def open_demo(cls, path: Path) -> Services:
        """A new store at ``path`` holding the demo county (``path`` must not exist)."""
        from fieldkit.demo import build_demo_store

        return cls(build_demo_store(path))

    @property
    def path(self) -> Path:
        """The store file."""
        return self._opener.path

    def user_name(self) -> str:
        """The user this laptop is enrolled as ("" before enrollment)."""
        return self._opener.meta("user_name") or ""

    def role(self) -> str:
        """The user's role at HQ (admin, staff, volunteer; "" before enrollment)."""
        return self._opener.meta("role") or ""

    def close(self) -> None:
        """Release the store file."""
        self._opener.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
