"""Imports from bureau spreadsheets: the roster and visits written on paper.

Both read CSV (UTF-8, with or without BOM) or XLSX, check every row before
writing, and either write everything through the outbox or nothing at all,
raising :class:`ImportRejected` with every problem and its line number.
"""

from fieldkit.importing.problems import ImportRejected, Problem
from fieldkit.importing.roster import RosterReport, import_roster
from fieldkit.importing.visits import VisitsReport, import_visits

__all__ = [
    "ImportRejected",
    "Problem",
    "RosterReport",
    "VisitsReport",
    "import_roster",
    "import_visits",
]
