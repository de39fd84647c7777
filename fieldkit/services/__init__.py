"""The application's one door: typed use cases over a laptop store.

The TUI, the command line, QR cards, reports and the HQ console call these and
nothing below them (``fieldkit.store``, SQLAlchemy): the import contracts in
``pyproject.toml`` hold that. One module per use case:

- :mod:`.roster` roster search, card codes, sites and teams
- :mod:`.person_file` a person's file
- :mod:`.people` adding a person, who may write which fields of a file
- :mod:`.activities` the list of past service activities
- :mod:`.recording` visits, consultations, activities, file edits, status events
- :mod:`.amendments` correcting and voiding saved records, with their trail
- :mod:`.due` the due list and the county's policy
- :mod:`.outbox` changes waiting and rejected, the sync line
- :mod:`.syncing` enrollment and sync now, with typed progress
- :mod:`.conflicts` conflicts on a file, and picking a value
- :mod:`.transfer` spreadsheet imports, export
- :mod:`.drafts` unsaved form input kept across a crash
- :mod:`.failures` any exception as a message for the user

:class:`Services` bundles them for one store; the types the apps use most are
exported here (the rest, e.g. ``RecordError``, from their module). Importing this
package stays light: the due list, sync, transfer, cards and reports modules are
imported when their service is first used (import their types from the module).
The names below are imported on first use too (PEP 562), so the app's first page
is shown before SQLAlchemy is loaded (see :mod:`.opening`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldkit.lazy import lazy_exports

if TYPE_CHECKING:
    from fieldkit.errors import FieldkitError, describe
    from fieldkit.services.conflicts import ConflictSide, NotAllowed, OpenConflict, PickError
    from fieldkit.services.drafts import Draft, DraftBox
    from fieldkit.services.facade import Services
    from fieldkit.services.failures import UnexpectedError, explain
    from fieldkit.services.outbox import OutboxStatus, RejectedChange, SyncLine
    from fieldkit.services.people import NewPerson
    from fieldkit.services.person_file import FollowUp, PersonFile, TimelineEntry
    from fieldkit.services.recording import (
        ActivityInput,
        ConsultationInput,
        StatusEventInput,
        VisitInput,
    )
    from fieldkit.services.roster import (
        PAGE_SIZE,
        RosterFilter,
        RosterPage,
        RosterRow,
        SearchCancelled,
    )

__all__ = [
    "PAGE_SIZE",
    "ActivityInput",
    "ConflictSide",
    "ConsultationInput",
    "Draft",
    "DraftBox",
    "FieldkitError",
    "FollowUp",
    "NewPerson",
    "NotAllowed",
    "OpenConflict",
    "OutboxStatus",
    "PersonFile",
    "PickError",
    "RejectedChange",
    "RosterFilter",
    "RosterPage",
    "RosterRow",
    "SearchCancelled",
    "Services",
    "StatusEventInput",
    "SyncLine",
    "TimelineEntry",
    "UnexpectedError",
    "VisitInput",
    "describe",
    "explain",
]

_HOMES = {
    "FieldkitError": "fieldkit.errors",
    "describe": "fieldkit.errors",
    "ConflictSide": "fieldkit.services.conflicts",
    "NotAllowed": "fieldkit.services.conflicts",
    "OpenConflict": "fieldkit.services.conflicts",
    "PickError": "fieldkit.services.conflicts",
    "Draft": "fieldkit.services.drafts",
    "DraftBox": "fieldkit.services.drafts",
    "Services": "fieldkit.services.facade",
    "UnexpectedError": "fieldkit.services.failures",
    "explain": "fieldkit.services.failures",
    "OutboxStatus": "fieldkit.services.outbox",
    "RejectedChange": "fieldkit.services.outbox",
    "SyncLine": "fieldkit.services.outbox",
    "NewPerson": "fieldkit.services.people",
    "FollowUp": "fieldkit.services.person_file",
    "PersonFile": "fieldkit.services.person_file",
    "TimelineEntry": "fieldkit.services.person_file",
    "ActivityInput": "fieldkit.services.recording",
    "ConsultationInput": "fieldkit.services.recording",
    "StatusEventInput": "fieldkit.services.recording",
    "VisitInput": "fieldkit.services.recording",
    "PAGE_SIZE": "fieldkit.services.roster",
    "RosterFilter": "fieldkit.services.roster",
    "RosterPage": "fieldkit.services.roster",
    "RosterRow": "fieldkit.services.roster",
    "SearchCancelled": "fieldkit.services.roster",
}


__getattr__ = lazy_exports(__name__, _HOMES)
