"""The roster's page types: light (no SQL library), so a start can show a page early.

:mod:`fieldkit.store.roster` answers with these; :mod:`fieldkit.store.plain` reads
the first page with the standard library's ``sqlite3`` before the store is opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fieldkit.domain.ids import decode_id
from fieldkit.domain.vocab import Category, Status, Tier

__all__ = [
    "PAGE_SIZE",
    "RosterFilter",
    "RosterPage",
    "RosterRow",
    "SearchCancelled",
    "is_cjk",
    "needs_scan",
    "roster_row",
]

PAGE_SIZE = 50


@dataclass(frozen=True)
class RosterFilter:
    """What the roster shows: search text plus optional filters (None = any)."""

    text: str = ""
    site_id: str | None = None
    category: Category | None = None
    tier: Tier | None = None
    lives_alone: bool | None = None
    hardship: bool | None = None
    status: Status | None = None


@dataclass(frozen=True)
class RosterRow:
    """One line of the roster."""

    id: str
    code: str
    name: str
    sex: str
    birth_date: date | None
    category: str
    tier: str
    status: str
    site_name: str
    address: str
    phone: str
    lives_alone: bool
    hardship: bool


@dataclass(frozen=True)
class RosterPage:
    """A page of the roster: ``rows`` from ``offset``; ``more`` when another page follows."""

    rows: list[RosterRow]
    offset: int
    more: bool


class SearchCancelled(Exception):
    """A search stopped because the one who asked for it no longer wants it."""


def is_cjk(text: str) -> bool:
    """Whether ``text`` holds a character beyond ASCII (Chinese, in a search)."""
    return any(not ch.isascii() for ch in text)


def needs_scan(text: str) -> bool:
    """Whether the search text can match inside names, addresses or phones.

    Such matches are answered from the local trigram index ``person_fts``
    (migration 0004); :func:`fieldkit.store.roster.search_roster` with ``quick=True``
    still leaves them out and answers from the pinyin, initials and code indexes only.
    """
    t = text.strip()
    return bool(t) and (is_cjk(t) or t.isdigit())


def roster_row(r: Sequence[Any], sites: Mapping[str, str]) -> RosterRow:
    """A roster line from a row of the page's columns (id, code, name, sex, birth date,
    category, tier, status, site id, address, phone, lives alone, hardship); the id as
    stored or as text, the site id as ``sites`` is keyed."""
    return RosterRow(
        id=decode_id(r[0]),
        code=r[1],
        name=r[2],
        sex=r[3],
        birth_date=_as_date(r[4]),
        category=r[5],
        tier=r[6],
        status=r[7],
        site_name=sites.get(r[8], ""),
        address=r[9],
        phone=r[10],
        lives_alone=bool(r[11]),
        hardship=bool(r[12]),
    )


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
