"""Helpers of the import/export tests: small files and counts of what a store holds."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from pathlib import Path

ROSTER_HEADER = (
    "编号,姓名,性别,出生日期,类别,原单位,站点,地址,电话,关注等级,独居,特殊困难,党员,入党年份,备注"
)
VISITS_HEADER = "编号,日期,走访类型,走访人,慰问金,问需,服务内容,备注"


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
