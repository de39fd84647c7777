"""What the app's start reads before the store is opened, with the standard library's sqlite3.

Opening a :class:`~fieldkit.store.Store` loads SQLAlchemy, SQLModel and the table
classes (about half a second of a start). A store already at the head revision,
with its device id and no bulk load to finish, needs nothing of that to show the
roster's first page: :func:`ready` says whether a store is such a store, and
:func:`roster_page`, :func:`list_sites` and :func:`meta` read what the first
screen shows with plain statements. Everything else opens the store.

The page is the one :func:`fieldkit.store.roster.search_roster` gives for a filter
without search text (the same rows in the same order; a test holds that).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from fieldkit.domain.ids import decode_id, encode_id
from fieldkit.store.migrate import HEAD, revision_of
from fieldkit.store.roster_types import PAGE_SIZE, RosterFilter, RosterPage, roster_row

__all__ = ["BULK_LOAD_KEY", "list_sites", "meta", "ready", "roster_page", "serves"]

BULK_LOAD_KEY = "bulk_load"
"""The ``local_meta`` key holding the dropped indexes' and triggers' SQL while a bulk
load runs (see :mod:`.bulk_load`)."""

_COLUMNS = (
    "id, code, name, sex, birth_date, category, tier, status, site_id, address, phone,"
    " lives_alone, hardship"
)


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection on the store file for a few reads (it is never written)."""
    with closing(sqlite3.connect(path, timeout=10.0, check_same_thread=False)) as conn:
        yield conn


def ready(path: Path) -> bool:
    """Whether the store at ``path`` can be read before it is opened: it exists, is at
    the head revision, has its device id and no cut bulk load to finish."""
    if not path.is_file():
        return False
    try:
        with _reading(path) as conn:
            return _at_head(conn) and _meta(conn, "device_id") is not None and not _bulk(conn)
    except sqlite3.Error:
        return False  # opening the store will say what is wrong


def needs_upgrade(path: Path) -> bool:
    """Whether the store at ``path`` exists at an older revision than this code's: opening
    it upgrades it first, which for some revisions takes a while on a large store."""
    if not path.is_file():
        return False
    try:
        with _reading(path) as conn:
            revision = revision_of(conn)
    except sqlite3.Error:
        return False  # opening the store will say what is wrong
    return revision is not None and revision != HEAD


def _at_head(conn: sqlite3.Connection) -> bool:
    return revision_of(conn) == HEAD


def _bulk(conn: sqlite3.Connection) -> bool:
    return _meta(conn, BULK_LOAD_KEY) is not None


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    found = conn.execute("SELECT value FROM local_meta WHERE key = ?", (key,)).fetchone()
    return None if found is None else str(found[0])


def meta(path: Path, key: str) -> str | None:
    """One local setting of the store at ``path``."""
    with _reading(path) as conn:
        return _meta(conn, key)


def list_sites(path: Path) -> list[tuple[str, str]]:
    """Live sites as ``(id, name)``, by name (as :func:`fieldkit.store.roster.list_sites`)."""
    with _reading(path) as conn:
        rows = conn.execute("SELECT id, name FROM site WHERE deleted = 0 ORDER BY name")
        return [(decode_id(r[0]), r[1]) for r in rows]


def serves(flt: RosterFilter) -> bool:
    """Whether :func:`roster_page` answers ``flt``: a filter without search text."""
    return not flt.text.strip()


def _where(flt: RosterFilter) -> tuple[str, list[Any]]:
    """The filter's conditions as SQL and their parameters."""
    conds: list[str] = ["deleted = 0"]
    params: list[Any] = []
    for column, value in (
        ("site_id", flt.site_id),
        ("category", flt.category),
        ("tier", flt.tier),
        ("status", flt.status),
        ("lives_alone", flt.lives_alone),
        ("hardship", flt.hardship),
    ):
        if value is not None:
            conds.append(f"{column} = ?")
            if isinstance(value, bool):
                params.append(int(value))
            else:
                params.append(encode_id(value) if column == "site_id" else str(value))
    return " AND ".join(conds), params


def roster_page(
    path: Path, flt: RosterFilter, *, offset: int = 0, limit: int = PAGE_SIZE
) -> RosterPage:
    """A page of the roster for a filter without search text (see :func:`serves`),
    in roster order (pinyin, then id)."""
    assert serves(flt), "search text needs the store's search"
    where, params = _where(flt)
    with _reading(path) as conn:
        found = conn.execute(
            f"SELECT {_COLUMNS} FROM person WHERE {where}"
            " ORDER BY search_full, id LIMIT ? OFFSET ?",
            [*params, limit + 1, offset],
        ).fetchall()
        sites = _site_names(conn, {r[8] for r in found})
    rows = [roster_row(r, sites) for r in found[:limit]]
    return RosterPage(rows=rows, offset=offset, more=len(found) > limit)


def _site_names(conn: sqlite3.Connection, ids: set[Any]) -> dict[Any, str]:
    """Site names by stored id (as the page's rows hold it)."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, name FROM site WHERE id IN ({marks})", list(ids))
    return {r[0]: r[1] for r in rows}
