"""Field by field last-writer-wins, on parsed hybrid logical clocks.

Each stored field carries the clock of the write that set it (``[hlc, rev,
node]``; a new record's fields share one :data:`ALL_FIELDS` entry). A change
sets a field when its clock is later, compared as :class:`sync.hlc.Timestamp`
tuples, never as text. When the stored value was written by another node at a
revision the change's author had not seen, and the values differ, the two edits
were concurrent: the loser is kept in a conflict row for a human to review.
A pushed value that loses to a different stored one restamps the record with the
push's revision, so the pusher pulls the value that stands.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sync.hlc import Timestamp, stored_ts
from sync.server.records import ALL_FIELDS, StoredRecord

__all__ = ["Incoming", "merge_fields"]

_clock_of = lru_cache(maxsize=16_384)(stored_ts)
"""Stored clocks parsed once (a batch compares many fields against the same clocks)."""


class Incoming(NamedTuple):
    """A change about to be merged: what it sets, its clock, and who wrote it."""

    tbl: str
    id: str
    hlc: str
    ts: Timestamp
    seen_rev: int
    node: str


def _conflict_row(
    change: Incoming,
    rec: StoredRecord,
    name: str,
    win: tuple[Any, str, str],
    lose: tuple[Any, str, str],
    rev: int,
    now: datetime,
) -> dict[str, Any]:
    """The ``sync_conflict`` row of one concurrent edit of field ``name``."""
    return {
        "tbl": change.tbl,
        "row_id": change.id,
        "scope": rec.scope,
        "field": name,
        "winner_value": json.dumps(win[0], ensure_ascii=False),
        "winner_hlc": win[1],
        "winner_device": win[2],
        "loser_value": json.dumps(lose[0], ensure_ascii=False),
        "loser_hlc": lose[1],
        "loser_device": lose[2],
        "rev": rev,
        "created_at": now,
    }


def merge_fields(
    rec: StoredRecord,
    data: dict[str, Any],
    change: Incoming,
    rev: int,
    conflicts: list[dict[str, Any]],
    now: datetime,
) -> bool:
    """Set every field of ``data`` whose clock beats the stored one; True if any conflicted.

    Conflict rows are appended to ``conflicts``.
    """
    conflicted = False
    shared = rec.clocks.get(ALL_FIELDS)
    mine = change.ts
    for name, value in data.items():
        clock = rec.clocks.get(name, shared)
        if clock is not None:
            old_hlc, old_rev, old_node = clock[0], int(clock[1]), clock[2]
            theirs = _clock_of(old_hlc)
            old_value = rec.data.get(name)
            if old_rev > change.seen_rev and old_node != change.node and old_value != value:
                conflicted = True
                ours = (value, change.hlc, change.node)
                stored = (old_value, old_hlc, old_node)
                win, lose = (ours, stored) if mine > theirs else (stored, ours)
                conflicts.append(_conflict_row(change, rec, name, win, lose, rev, now))
            if mine <= theirs:
                # The pushed value lost: the record is written again with this
                # revision, so the author's next pull brings the winner back.
                rec.dirty = rec.dirty or old_value != value
                continue
        rec.data[name] = value
        rec.clocks[name] = [change.hlc, rev, change.node]
        rec.dirty = True
    return conflicted
