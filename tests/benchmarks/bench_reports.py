"""Benchmark: the quarterly tables of a laptop store of 20,000 persons.

    python tests/benchmarks/bench_reports.py [--store PATH] [--persons N] [--visits M]
                                             [--quarter 2026Q3] [--runs N] [--with-index]

The store is made once by the sample-data generator (``fieldkit.sampledata``; its
year of history ends on 2026-10-31, so 2026Q3 is a full quarter) and reused from
``PATH`` (default: ``$TMPDIR/fieldkit-bench/reports-20k.db``). The first run also
copies the visits into a plain typed table ``bench_plain_visit`` (site, reason, time,
money; no index) in the same file.

It prints the median and p95 wall-clock time of ``build_report`` over every site,
the median time of the baseline in the same database and the same run (one
``SELECT site_id, reason, count(*), sum(money_fen) FROM bench_plain_visit GROUP BY
site_id, reason`` over all the visits), both also in CPU time (less disturbed by other
work on the machine), and the ratios to the 3x target; then where the report's time
goes (each source query, then the care-plan replay and the tables) and the time to
write each file format.

``--with-index`` then adds an index on ``visit (visited_at)`` (the laptop store has
none: every quarter query scans the visits), measures again, and drops it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from fieldkit.reports.output import FORMATS
from fieldkit.reports.quarter import Quarter
from fieldkit.sampledata import generate_store
from fieldkit.store import Store

TARGET_RATIO = 3.0
PLAIN = "bench_plain_visit"
INDEX_SQL = "CREATE INDEX bench_ix_visit_time ON visit (visited_at)"
BASELINE = f"SELECT site_id, reason, count(*), sum(money_fen) FROM {PLAIN} GROUP BY site_id, reason"


def _store(path: Path, persons: int, visits: int) -> Store:
    if path.exists():
        return Store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {persons:,} persons and {visits:,} visits into {path} (once) ...")
    started = time.perf_counter()
    store = generate_store(path, persons=persons, visits=visits)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return store


def _plain_table(store: Store) -> int:
    """The visits in a plain typed table beside the store's own (made once)."""
    with store.write() as s:
        conn = s.connection()
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {PLAIN} (site_id TEXT NOT NULL, reason TEXT NOT NULL,"
            " visited_at TEXT NOT NULL, money_fen INTEGER NOT NULL)"
        )
        count = conn.exec_driver_sql(f"SELECT count(*) FROM {PLAIN}").scalar_one()
        if count == 0:
            conn.exec_driver_sql(
                f"INSERT INTO {PLAIN} SELECT site_id, reason, visited_at, money_fen FROM visit"
            )
            count = conn.exec_driver_sql(f"SELECT count(*) FROM {PLAIN}").scalar_one()
    return int(count)


def _baseline(store: Store) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the baseline query."""
    with store.read() as s:
        driver = s.connection().connection.driver_connection
        assert driver is not None
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = driver.execute(BASELINE).fetchall()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert rows
    return took, cpu


class _Timed:
    """A source that adds up the time of each of its methods."""

    def __init__(self, inner: StoreSource) -> None:
        self.inner = inner
        self.spent: dict[str, float] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.inner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        return timed


def _measure(
    store: Store, source: StoreSource, quarter: Quarter, runs: int, title: str
) -> QuarterlyReport:
    """Time the report against the baseline, print the figures, return the last report."""
    report = build_report(source, quarter)  # warm the page cache and the imports
    _baseline(store)
    walls, cpus, base_walls, base_cpus = [], [], [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = build_report(source, quarter)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
        wall, cpu = _baseline(store)
        base_walls.append(wall)
        base_cpus.append(cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    base_wall, base_cpu = statistics.median(base_walls), statistics.median(base_cpus)
    p95 = sorted(walls)[max(0, round(0.95 * len(walls)) - 1)]
    print(f"{title}:")
    print(f"  report    median {_ms(wall)} wall (p95 {_ms(p95)}), {_ms(cpu)} CPU")
    print(f"  baseline  median {_ms(base_wall)} wall,{'':18}{_ms(base_cpu)} CPU")
    for what, ratio in (("wall", wall / base_wall), ("CPU", cpu / base_cpu)):
        verdict = "within" if ratio <= TARGET_RATIO else "above"
        print(f"  ratio ({what}) {ratio:.1f}x ({verdict} the {TARGET_RATIO:.0f}x target)")
    print(
        f"  figures: {report.persons.total.served:,} persons served, "
        f"{report.visits.total.visits:,} visits, {report.care_by_site.total.outcomes.due:,} "
        f"care-plan visits due"
    )
    timed = _Timed(source)
    started = time.perf_counter()
    build_report(timed, quarter)  # type: ignore[arg-type]
    whole = time.perf_counter() - started
    print("  where one report's time goes (wall):")
    for name, spent in sorted(timed.spent.items(), key=lambda kv: -kv[1]):
        print(f"    source.{name:<26} {_ms(spent)}")
    rest = whole - sum(timed.spent.values())
    print(f"    {'the replay and the tables':<33} {_ms(rest)}")
    return report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "fieldkit-bench" / "reports-20k.db"
    parser.add_argument("--store", type=Path, default=default)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--quarter", default="2026Q3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--with-index", action="store_true")
    args = parser.parse_args()

    store = _store(args.store, args.persons, args.visits)
    quarter = parse_quarter(args.quarter)
    plain = _plain_table(store)
    source = StoreSource(store)
    with store.read() as s:
        persons = s.connection().exec_driver_sql("SELECT count(*) FROM person").scalar_one()
    print(f"store {args.store}: {persons:,} persons, {plain:,} visits; quarter {quarter}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")

    report = _measure(store, source, quarter, args.runs, "report, every site")
    if args.with_index:
        with store.write() as s:
            s.connection().exec_driver_sql(INDEX_SQL)
        try:
            _measure(store, source, quarter, args.runs, "with visit (visited_at) index")
        finally:
            with store.write() as s:
                s.connection().exec_driver_sql("DROP INDEX bench_ix_visit_time")

    for suffix, write in FORMATS.items():
        started = time.perf_counter()
        data = write(report)
        print(f"write {suffix:<5} {_ms(time.perf_counter() - started)}  {len(data):,} bytes")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
