"""Changes authored at headquarters itself, merged exactly like pushed ones.

An administrator's edit (a value picked for a conflict, a record set up at HQ)
goes through :class:`sync.server.merge.Merge`: field by field last-writer-wins,
scope follow, a revision, exits. Its author is the node :data:`HQ_NODE`, which
no device can be (device ids are 8 characters or more). HQ's clock is taken
after every clock of the records it changes (the HLC receive rule, on the
records read in the same transaction), so an HQ edit wins over every value it
replaces; and it has seen every revision before its own, so it records no
conflict. Devices in scope receive the result at their next pull, like any
other change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from sync.hlc import HLC, NEVER, Timestamp, format_ts, parse_ts, stored_ts
from sync.schema import SyncSchema
from sync.server.auth import utcnow
from sync.server.checks import Rejected, check_fields, check_table
from sync.server.lww import Incoming
from sync.server.merge import Merge
from sync.server.records import StoredRecord, next_rev
from sync.server.settings import OnWritten

__all__ = ["HQ_NODE", "HqAuthor", "HqEdit", "HqWriteRefused", "write_at_hq"]

HQ_NODE = "hq"
"""The clock node of changes made at headquarters."""


class HqWriteRefused(ValueError):
    """An HQ edit that does not fit the schema or names no scope; nothing was written."""


@dataclass(frozen=True)
class HqAuthor:
    """Headquarters as the author of a change: every scope, every field."""

    user: str
    node: str = HQ_NODE

    def may_touch(self, scope_key: str) -> bool:
        """HQ may write records of every scope key."""
        return True

    def hidden_in(self, table: str) -> frozenset[str]:
        """HQ sees every field."""
        return frozenset()


@dataclass(frozen=True)
class HqEdit:
    """The fields HQ sets on one row (a new row needs its scope field)."""

    tbl: str
    id: str
    data: dict[str, Any]


def _latest_clock(recs: Iterable[StoredRecord]) -> Timestamp:
    """The latest clock of any field of ``recs`` (:data:`NEVER` when there is none)."""
    latest = NEVER
    for rec in recs:
        for clock in rec.clocks.values():
            latest = max(latest, stored_ts(clock[0]))
    return latest


def hq_clock(recs: Iterable[StoredRecord]) -> HLC:
    """HQ's clock for a write: later than every clock of the records it changes."""
    latest = _latest_clock(recs)
    clock = HLC(node=HQ_NODE)
    if latest != NEVER:
        clock.last = format_ts(Timestamp(latest.wall_ms, latest.counter, HQ_NODE))
    return clock


def write_at_hq(
    conn: Connection,
    schema: SyncSchema,
    edits: Sequence[HqEdit],
    *,
    user: str,
    on_written: OnWritten | None = None,
) -> int:
    """Apply ``edits`` as changes by headquarters in the caller's transaction; the revision.

    ``on_written`` is called like :attr:`ServerSettings.on_written` after a push.

    Raises :class:`HqWriteRefused` (and writes nothing the caller commits) when an
    edit names an unknown table or field, a value of the wrong type, or a new
    row without its scope.
    """
    for edit in edits:
        try:
            check_fields(check_table(schema, edit.tbl), edit.data)
        except Rejected as why:
            raise HqWriteRefused(str(why)) from None
    rev = next_rev(conn)
    author = HqAuthor(user=user)
    with Merge(conn, schema, rev, utcnow(), on_written) as merge:
        merge.load(edits)
        clock = hq_clock(merge.recs.values())
        for edit in edits:
            spec = check_table(schema, edit.tbl)
            hlc = clock.now()
            change = Incoming(edit.tbl, edit.id, hlc, parse_ts(hlc), rev - 1, HQ_NODE)
            try:
                merge.apply(spec, dict(edit.data), change, author)
            except Rejected as why:
                raise HqWriteRefused(str(why)) from None
        merge.finish()
    return rev
