"""Helpers of the import/export tests: small files and counts of what a store holds."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fieldkit.domain.ids import decode_id
from fieldkit.importing.columns import ROSTER_COLUMNS

ROSTER_HEADER = (
    "编号,姓名,性别,出生日期,类别,原单位,站点,地址,电话,关注等级,独居,特殊困难,党员,入党年份,备注"
)
VISITS_HEADER = "编号,日期,走访类型,走访人,慰问金,问需,服务内容,备注"
ALL_COLUMNS = tuple(c.zh for c in ROSTER_COLUMNS)
"""Every roster column under its Chinese header, 身份证号 last."""

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: date, seq: int, region: str = "513434") -> str:
    """A valid 18-character ID number (GB 11643) for someone born on ``born``."""
    body = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def person_rows(db: Path) -> dict[str, dict[str, Any]]:
    """Every person row of a store, every column, by code (read with plain sqlite3)."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {
            row["code"]: {k: decode_id(row[k]) for k in row.keys()}  # noqa: SIM118
            for row in conn.execute("SELECT * FROM person")
        }


def counts(path: Path) -> dict[str, int]:
    """Rows per table that an import could touch, read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("site", "person", "visit", "outbox")
        }


def write_csv(path: Path, lines: Sequence[str], *, bom: bool = True) -> Path:
    """Write lines (already comma-joined) as a UTF-8 CSV, with a BOM unless told otherwise."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_rows(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """Write rows with the csv module (quotes where needed), UTF-8 with BOM."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def paper_visits() -> int:
    """How many visits the shipped sample_data/visits.csv holds."""
    from fieldkit.paths import sample_data_dir

    text = (sample_data_dir() / "visits.csv").read_text(encoding="utf-8-sig")
    return len(list(csv.reader(text.splitlines()))) - 1
