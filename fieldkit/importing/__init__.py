"""Imports from bureau spreadsheets: the roster and visits written on paper.

Both read CSV (UTF-8, with or without BOM) or XLSX, check every row, and either
write everything through the outbox or nothing at all, raising
:class:`ImportRejected` with every problem and its line number (in the interface
language when shown). The roster is read as a stream and written in chunks inside
one transaction, reporting its progress (:class:`ImportProgress`).
"""

from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.progress import ImportProgress, ProgressCallback
from fieldkit.importing.roster import RosterReport, import_roster
from fieldkit.importing.visits import VisitsReport, import_visits

__all__ = [
    "ImportProgress",
    "ImportRejected",
    "Problem",
    "ProgressCallback",
    "RosterReport",
    "VisitsReport",
    "import_roster",
    "import_visits",
]
