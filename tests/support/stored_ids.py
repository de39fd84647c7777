"""Raw SQL on a store file in tests: ids bound and read as the app sees them.

The store keeps a canonical UUID id as 16 bytes (:mod:`fieldkit.domain.ids`); a test
that reads the file with plain SQL binds its ids with :func:`stored` and reads rows
back through :func:`as_text`, or does both with :func:`query`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fieldkit.domain.ids import decode_id, encode_id

__all__ = ["as_text", "query", "stored"]


def stored(*values: object) -> tuple[Any, ...]:
    """``values`` with each id in its stored form (other values unchanged)."""
    return tuple(encode_id(v) for v in values)


def as_text(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` with every stored id (16 bytes) as its text."""
    return [tuple(decode_id(v) for v in row) for row in rows]


def query(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the store file at ``path`` (ids bound and read as text)."""
    con = sqlite3.connect(path)
    try:
        return as_text(con.execute(sql, stored(*args)).fetchall())
    finally:
        con.close()
