"""Checks of the ``visit_summary`` table against a naive reading of ``visit`` and ``person``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from fieldkit.domain.vocab import Category, Status
from fieldkit.store import Store
from tests.support.stored_ids import as_text

__all__ = ["assert_in_step", "expected", "stored"]

_MUST = ("festival", "hospital", "birthday", "misfortune", "condolence")
_COLUMNS = ", ".join(
    f"s.{c}"
    for c in (
        "tier", "site_id", "last_at", "follow_up_owed", "follow_up", "follow_up_due",
        *(f"{r}_at" for r in _MUST), "category", "live",
    )
)  # fmt: skip
_CATEGORIES = [c.value for c in Category]  # stored as the position (migration 0013)

Summary = dict[str, tuple[Any, ...]]


def expected(path: Path) -> Summary:
    """The summary of every person, worked out naively from ``visit`` and ``person``."""
    with closing(sqlite3.connect(path)) as conn:
        persons = as_text(
            conn.execute("SELECT id, tier, site_id, category, status, deleted FROM person")
        )
        visits = as_text(
            conn.execute(
                "SELECT rowid, person_id, visited_at, reason, follow_up, follow_up_due, deleted "
                "FROM visit"
            )
        )
    out: Summary = {}
    for pid, tier, site_id, category, status, deleted in persons:
        live = [v for v in visits if v[1] == pid and not v[6]]
        latest = max(live, key=lambda v: (v[2], v[0])) if live else None
        by_reason = [max((v[2] for v in live if v[3] == r), default=None) for r in _MUST]
        if latest is None:
            head: tuple[Any, ...] = (None, None, None, None)
        else:
            owed = int(latest[4] != "" or latest[5] is not None)
            head = (latest[2], owed, latest[4], latest[5])
        alive = int(not deleted and status not in (Status.MOVED.value, Status.DECEASED.value))
        out[pid] = (tier, site_id, *head, *by_reason, _CATEGORIES.index(category), alive)
    return out


def stored(path: Path) -> Summary:
    """The ``visit_summary`` rows of the persons in ``person``."""
    with closing(sqlite3.connect(path)) as conn:
        rows = as_text(
            conn.execute(
                f"SELECT s.person_id, {_COLUMNS} FROM visit_summary s "
                "JOIN person p ON p.id = s.person_id"
            )
        )
    return {row[0]: tuple(row[1:]) for row in rows}


def assert_in_step(store: Store) -> None:
    assert stored(store.path) == expected(store.path)
