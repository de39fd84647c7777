"""The demo files of ``sample_data/``: the county as export, roster CSV and paper visits.

:func:`write_sample_data` makes, from one :class:`CountyGenerator`:

- ``demo.jsonl``: the whole county in the export format (what ``fieldkit demo`` loads);
- ``roster.csv``: the roster as a bureau keeps it (UTF-8 with BOM, Chinese headers);
- ``visits.csv``: visits written on paper at 松林村 in the last month and not yet
  entered: they are left out of ``demo.jsonl`` and can be imported into the demo.

The same seed always writes the same bytes.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime
from pathlib import Path

from fieldkit.domain.money import format_yuan
from fieldkit.domain.vocab import Category, Sex, Tier, VisitReason, label
from fieldkit.exporting import export_jsonl
from fieldkit.sampledata.bulk import fill_store
from fieldkit.sampledata.county import DEFAULT_SEED, CountyGenerator, Row
from fieldkit.store import Store

__all__ = [
    "DEMO_PERSONS",
    "DEMO_VISITS",
    "ROSTER_HEADERS",
    "VISIT_HEADERS",
    "is_paper_visit",
    "write_sample_data",
]

DEMO_PERSONS = 300
DEMO_VISITS = 2000
ROSTER_HEADERS = (
    "编号", "姓名", "性别", "出生日期", "类别", "原单位", "站点", "地址", "电话", "关注等级",
    "独居", "特殊困难", "党员", "入党年份", "备注", "健康状况", "家庭情况",
)  # fmt: skip
VISIT_HEADERS = ("编号", "日期", "走访类型", "走访人", "慰问金", "问需", "服务内容", "备注")
_PAPER_SITE = 3  # 松林村
_PAPER_FROM = date(2026, 10, 1)


def is_paper_visit(gen: CountyGenerator, visit: Row) -> bool:
    """Visits kept on paper: 松林村, from 1 October of the demo year."""
    visited_at: datetime = visit["visited_at"]
    return visit["site_id"] == gen.sites[_PAPER_SITE]["id"] and visited_at.date() >= _PAPER_FROM


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _yuan(fen: int) -> str:
    text = format_yuan(fen)
    return text[:-3] if text.endswith(".00") else text


def _roster_rows(gen: CountyGenerator) -> list[list[str]]:
    site_names = {s["id"]: s["name"] for s in gen.sites}
    rows = []
    for p in sorted(gen.persons, key=lambda p: p["code"]):
        rows.append(
            [
                p["code"],
                p["name"],
                label(Sex(p["sex"])),
                p["birth_date"].isoformat(),
                label(Category(p["category"])),
                p["former_unit"],
                site_names[p["site_id"]],
                p["address"],
                p["phone"],
                label(Tier(p["tier"])),
                _yes(p["lives_alone"]),
                _yes(p["hardship"]),
                _yes(p["party_member"]),
                "" if p["party_year"] is None else str(p["party_year"]),
                p["notes"],
                p["health"],
                p["family"],
            ]
        )
    return rows


def _write_csv(path: Path, headers: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)


def write_sample_data(
    out_dir: Path,
    *,
    persons: int = DEMO_PERSONS,
    visits: int = DEMO_VISITS,
    seed: int = DEFAULT_SEED,
) -> dict[str, int]:
    """Write the demo files into ``out_dir``; returns row counts per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = CountyGenerator(persons=persons, visits=visits, seed=seed)
    codes = {p["id"]: p["code"] for p in gen.persons}
    paper: list[Row] = []

    def keep_back(visit: Row) -> bool:
        if is_paper_visit(gen, visit):
            paper.append(visit)
            return True
        return False

    with tempfile.TemporaryDirectory(prefix="fieldkit-sample-") as tmp:
        store = Store(Path(tmp) / "demo.db")
        try:
            fill_store(store, gen, skip_visit=keep_back)
            counts = export_jsonl(store, out_dir / "demo.jsonl")
        finally:
            store.close()
    _write_csv(out_dir / "roster.csv", ROSTER_HEADERS, _roster_rows(gen))
    paper.sort(key=lambda v: (v["visited_at"], codes[v["person_id"]]))
    _write_csv(
        out_dir / "visits.csv",
        VISIT_HEADERS,
        [
            [
                codes[v["person_id"]],
                v["visited_at"].date().isoformat(),
                label(VisitReason(v["reason"])),
                v["visitors"],
                _yuan(v["money_fen"]) if v["money_fen"] else "",
                v["needs"],
                v["services"],
                v["notes"],
            ]
            for v in paper
        ],
    )
    return {"demo.jsonl": sum(counts.values()), "roster.csv": persons, "visits.csv": len(paper)}
