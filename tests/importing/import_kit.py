"""Helpers of the import tests: valid ID numbers, roster files, a store's persons field by field."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fieldkit.importing.columns import ROSTER_COLUMNS

__all__ = ["HEADER", "id_number", "person_rows", "write_roster"]

HEADER = tuple(c.zh for c in ROSTER_COLUMNS)
"""Every roster column under its Chinese header, 身份证号 last."""

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: date, seq: int, region: str = "513434") -> str:
    """A valid 18-character ID number (GB 11643) for someone born on ``born``."""
    body = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def write_roster(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    """Rows under ``header`` as a UTF-8 CSV with BOM, as Excel saves it."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def person_rows(db: Path) -> dict[str, dict[str, Any]]:
    """Every person row of a store, every column, by code (read with plain sqlite3)."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["code"]: dict(row) for row in conn.execute("SELECT * FROM person")}
