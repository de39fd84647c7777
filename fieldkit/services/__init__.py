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
"""

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
