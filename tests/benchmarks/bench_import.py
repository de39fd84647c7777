"""Benchmark of the roster import against a raw executemany (not collected by pytest).

    python tests/benchmarks/bench_import.py                    # 120,000 rows, CSV and XLSX
    python tests/benchmarks/bench_import.py --rows 20000 --formats csv --runs 3

Generates a roster as bureaus keep it (every column of
``fieldkit.importing.columns.ROSTER_COLUMNS`` under its Chinese header, valid ID
numbers whose check character and birth date are right, long 健康状况/家庭情况/备注
cells) into a cache folder (``--cache``, default ``~/.cache/fieldkit-bench``), then
imports it into a new store, each run in its own Python process. Each run prints
wall and CPU time, rows/s and the process's peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read in that process, so it includes
the interpreter and every imported module). The baseline, in the same run, reads
the same file with the same reader (csv / openpyxl read-only) and inserts the same
cells with one sqlite3 ``executemany`` into a bare table of text columns, in a new
SQLite file with the store's settings (WAL, ``synchronous=FULL``), one transaction.
Every figure is run ``--runs`` times (3 by default): min / median / max and the load
average (``os.getloadavg``) before and after are printed, with the ratio of the
medians and the target (>= 5,000 rows/s, <= 300 MB peak).

The same script measures any tree: ``PYTHONPATH=/path/to/tree python ...``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

TARGET_ROWS_PER_S = 5_000
TARGET_PEAK_MB = 300
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_REGIONS = ("513434", "513401", "520201", "360402", "371702")
_HEALTH_MORE = (
    "，近三个月血压控制平稳，每月到乡镇卫生院复查一次",
    "，行走需拐杖，上下楼梯需家人搀扶",
    "，视力下降，阅读需放大镜，已配老花镜",
    "，去年因肺部感染住院两周，出院后恢复良好",
)
_FAMILY_MORE = (
    "；子女每月回家一次，邻居帮忙照看日常起居",
    "；老伴身体较弱，家务主要由本人承担",
    "；孙子在县城读书，周末回家陪伴",
)
_NOTES_MORE = (
    "；2025年重阳节已走访，送慰问品一份",
    "；希望多组织老年大学书法、太极课程",
    "；对防范电信诈骗宣讲很感兴趣，愿意参加志愿服务",
)


def _id_number(region: str, birth: date, female: bool, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{(seq * 2 + (0 if female else 1)) % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def _roster_rows(rows: int) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a realistic roster with unique, valid ID numbers."""
    from fieldkit.domain.vocab import Category, Sex, Tier, label
    from fieldkit.importing.columns import ROSTER_COLUMNS
    from fieldkit.sampledata import CountyGenerator

    gen = CountyGenerator(persons=rows, visits=0)
    sites = {s["id"]: s["name"] for s in gen.sites}
    rng = random.Random(20261203)
    used: set[str] = set()
    header = ["序号", *(c.zh for c in ROSTER_COLUMNS)]
    out: list[list[str]] = []
    for n, p in enumerate(sorted(gen.persons, key=lambda p: p["code"]), start=1):
        female = p["sex"] == "female"
        seq = rng.randrange(500)
        region = _REGIONS[n % len(_REGIONS)]
        number = _id_number(region, p["birth_date"], female, seq)
        while number in used:
            seq += 1
            number = _id_number(region, p["birth_date"], female, seq)
        used.add(number)
        values = {
            "code": p["code"],
            "name": p["name"],
            "sex": label(Sex(p["sex"])),
            "birth_date": p["birth_date"].isoformat(),
            "category": label(Category(p["category"])),
            "former_unit": p["former_unit"],
            "site": sites[p["site_id"]],
            "address": p["address"],
            "phone": p["phone"],
            "tier": label(Tier(p["tier"])),
            "lives_alone": "是" if p["lives_alone"] else "否",
            "hardship": "是" if p["hardship"] else "否",
            "party_member": "是" if p["party_member"] else "否",
            "party_year": "" if p["party_year"] is None else str(p["party_year"]),
            "notes": (p["notes"] or "无") + rng.choice(_NOTES_MORE),
            "health": (p["health"] or "身体尚可") + rng.choice(_HEALTH_MORE),
            "family": (p["family"] or "与家人同住") + rng.choice(_FAMILY_MORE),
            "skills": p["skills"],
            "id_number": number,
        }
        out.append([str(n), *(values[c.key] for c in ROSTER_COLUMNS)])
    return header, out


def _make_files(cache: Path, rows: int, formats: list[str]) -> dict[str, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    paths = {fmt: cache / f"roster-{rows}.{fmt}" for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if not path.exists()]
    if not missing:
        return paths
    header, body = _roster_rows(rows)
    for fmt in missing:
        partial = paths[fmt].with_suffix(f".part.{fmt}")
        if fmt == "csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(body)
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("花名册")
            sheet.append(["古岚县离退休干部花名册"])
            sheet.append(header)
            for row in body:
                sheet.append(row)
            book.save(partial)
        partial.rename(paths[fmt])
    return paths


# -- what one measured process does -----------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_import(file: Path, db: Path) -> dict[str, Any]:
    from fieldkit.importing import import_roster
    from fieldkit.store import Store

    store = Store(db)
    started, cpu = time.perf_counter(), _cpu()
    report = import_roster(store, file)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    store.close()
    with sqlite3.connect(db) as conn:
        persons = conn.execute("SELECT count(*) FROM person").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM outbox WHERE tbl = 'person'").fetchone()[0]
    return {"seconds": seconds, "cpu": cpu, "rows": report.new + report.changed + report.unchanged,
            "persons": persons, "outbox": outbox, "peak_mb": _peak_mb()}  # fmt: skip


def _baseline_rows(file: Path) -> Any:
    if file.suffix == ".csv":
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader
        return
    from openpyxl import load_workbook

    book = load_workbook(file, read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(min_row=3, values_only=True)
    for row in rows:
        yield ["" if v is None else str(v) for v in row]
    book.close()


def _child_baseline(file: Path, db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    width = 20
    cols = ", ".join(f"c{i} TEXT" for i in range(width))
    conn.execute(f"CREATE TABLE roster (id INTEGER PRIMARY KEY, {cols})")
    sql = f"INSERT INTO roster VALUES (NULL, {', '.join('?' * width)})"
    started, cpu = time.perf_counter(), _cpu()
    conn.execute("BEGIN IMMEDIATE")
    batch: list[list[str]] = []
    count = 0
    for row in _baseline_rows(file):
        batch.append(row[:width] + [""] * (width - len(row)))
        if len(batch) == 5000:
            conn.executemany(sql, batch)
            count += len(batch)
            batch = []
    conn.executemany(sql, batch)
    count += len(batch)
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    conn.close()
    return {"seconds": seconds, "cpu": cpu, "rows": count, "peak_mb": _peak_mb()}


# -- the runs --------------------------------------------------------------------------


def _run(kind: str, file: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        cmd = [sys.executable, __file__, "--child", kind, "--file", str(file), "--db", str(db)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def _spread(values: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _measure(fmt: str, file: Path, runs: int) -> None:
    load_before = os.getloadavg()
    imports = [_run("import", file) for _ in range(runs)]
    bases = [_run("baseline", file) for _ in range(runs)]
    load_after = os.getloadavg()
    rows = imports[0]["rows"]
    size = file.stat().st_size / 1e6
    rate = [r["rows"] / r["seconds"] for r in imports]
    base_rate = [r["rows"] / r["seconds"] for r in bases]
    peak = [r["peak_mb"] for r in imports]
    print(f"\n{fmt.upper()}  {file.name}: {rows} rows, {size:.1f} MB")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(f"  figure (min / median / max of {runs} runs)")
    print(f"  import   seconds    : {_spread([r['seconds'] for r in imports], '.1f')}")
    print(f"  import   CPU seconds: {_spread([r['cpu'] for r in imports], '.1f')}")
    print(f"  import   rows/s     : {_spread(rate, ',.0f')}   target >= {TARGET_ROWS_PER_S:,}")
    print(f"  import   peak MB    : {_spread(peak, '.0f')}   target <= {TARGET_PEAK_MB}")
    print(f"  baseline seconds    : {_spread([r['seconds'] for r in bases], '.2f')}")
    print(f"  baseline CPU seconds: {_spread([r['cpu'] for r in bases], '.2f')}")
    print(f"  baseline rows/s     : {_spread(base_rate, ',.0f')}")
    print(f"  baseline peak MB    : {_spread([r['peak_mb'] for r in bases], '.0f')}")
    ratio = statistics.median(base_rate) / statistics.median(rate)
    cpu_ratio = statistics.median(r["cpu"] for r in imports) / statistics.median(
        r["cpu"] for r in bases
    )
    print(f"  import is {ratio:.1f}x the baseline's time, {cpu_ratio:.1f}x its CPU (medians)")
    last = imports[-1]
    print(f"  store after import  : {last['persons']} persons, {last['outbox']} outbox entries")
    verdict = statistics.median(rate) >= TARGET_ROWS_PER_S and max(peak) <= TARGET_PEAK_MB
    print(f"  target met: {'yes' if verdict else 'no'}")


def main() -> None:
    """Generate the files if needed, then run and print every figure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both (csv,xlsx)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "fieldkit-bench")
    parser.add_argument("--child", choices=("import", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = _child_import if args.child == "import" else _child_baseline
        print(json.dumps(child(args.file, args.db)))
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    started = time.perf_counter()
    files = _make_files(args.cache, args.rows, formats)
    print(f"files ready in {time.perf_counter() - started:.1f} s (cache {args.cache})")
    where = Path(str(__import__("fieldkit").__file__)).parent
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, fieldkit from {where}")
    for fmt in formats:
        if args.runs > 0:
            _measure(fmt, files[fmt], args.runs)


if __name__ == "__main__":
    main()
