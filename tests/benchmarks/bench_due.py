"""Benchmark: the due list of a whole scope of 100,000 persons and 1,000,000 visits.

    python tests/benchmarks/bench_due.py [--store PATH] [--runs N] [--with-index]

The store is made once by the sample-data generator (``fieldkit.sampledata``) and
reused from ``PATH`` (default: ``$TMPDIR/fieldkit-bench/due-100k.db``). It prints
the median and p95 wall-clock time of ``due_list`` for the whole scope on two days,
an ordinary day (the demo's today) and a day in the National Day festival window
(everyone owes a festival visit), with the ratio to the 200 ms target, the median
CPU time of the process (less disturbed by other work on the machine), and where
the time goes (SQLite, the rules, sorting and grouping, reading rows into facts);
then the same for a field worker's scope of the five largest sites.

The due list reads the trigger-kept ``visit_summary`` (migration 0003). A store made
by an older version is upgraded (and backfilled) the first time it is opened. The
festival-window day lies before the end of the generated history, so most persons
have visits after it; for them the latest visits as of the day are read from
``visit`` itself (the count is printed).

``--with-index`` then adds the visit index proposed for the laptop store
(``person_id, deleted, visited_at, reason, follow_up_due, follow_up``), measures
again, and drops it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fieldkit.domain.careplan import default_policy
from fieldkit.sampledata import ANCHOR, generate_store
from fieldkit.store import Store
from fieldkit.store.due_list import due_list

TARGET_MS = 200.0
PERSONS = 100_000
VISITS = 1_000_000
INDEX_SQL = (
    "CREATE INDEX ix_visit_person_due ON visit "
    "(person_id, deleted, visited_at, reason, follow_up_due, follow_up)"
)


def _store(path: Path) -> Store:
    if path.exists():
        return Store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {PERSONS:,} persons and {VISITS:,} visits into {path} (once) ...")
    started = time.perf_counter()
    store = generate_store(path, persons=PERSONS, visits=VISITS)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return store


def _breakdown(store: Store, on: date, site_ids: list[str] | None = None) -> str:
    """Where one run's time goes (cProfile, so Python parts weigh a little more).

    "SQLite" is the time inside the cursor's execute and fetch calls; rows stepped while
    iterating a cursor (the due list does so for candidates read through the indexes)
    are invisible to cProfile and count under "reading rows into facts".
    """
    prof = cProfile.Profile()
    prof.enable()
    due_list(store, on=on, site_ids=site_ids)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    table = stats.stats  # type: ignore[attr-defined]

    def cumulative(name: str) -> float:
        return sum(row[3] for func, row in table.items() if func[2] == name)

    sql = sum(row[2] for func, row in table.items() if "sqlite3.Cursor" in func[2])
    rules, build = cumulative("tasks"), cumulative("build_due_list")
    rest = total - sql - rules - build
    return (
        f"time in SQLite ~{sql / total:.0%}, rules ~{rules / total:.0%}, "
        f"sort and group ~{build / total:.0%}, reading rows into facts ~{rest / total:.0%}"
    )


def _probed(store: Store, on: date) -> int:
    """Persons with a visit after ``on``: their summary is not current, visits are read."""
    with store.read() as s:
        return int(
            s.connection()
            .exec_driver_sql(
                "SELECT count(*) FROM visit_summary WHERE last_at >= ?",
                ((on + timedelta(days=1)).isoformat(),),
            )
            .scalar_one()
        )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure(
    store: Store, on: date, runs: int, label: str, site_ids: list[str] | None = None
) -> float:
    due_list(store, on=on, site_ids=site_ids)  # warm the page cache
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        dl = due_list(store, on=on, site_ids=site_ids, policy=default_policy())
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    median = statistics.median(wall)
    counts = ", ".join(f"{state.value} {n:,}" for state, n in dl.counts.items())
    print(
        f"{label:<36} {on.isoformat()}  tasks {dl.total:>7,}  "
        f"wall median {median:7.1f} ms  p95 {_pct(wall, 0.95):7.1f} ms  "
        f"ratio to target {median / TARGET_MS:5.2f}x  "
        f"| CPU median {statistics.median(cpu):7.1f} ms"
    )
    print(f"{'':<36} {counts}")
    print(f"{'':<36} {_breakdown(store, on, site_ids)}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(tempfile.gettempdir()) / "fieldkit-bench" / "due-100k.db"
    parser.add_argument("--store", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--with-index", action="store_true")
    args = parser.parse_args()

    store = _store(args.store)
    with store.read() as s:
        conn = s.connection()
        persons = conn.exec_driver_sql("SELECT count(*) FROM person").scalar_one()
        visits = conn.exec_driver_sql("SELECT count(*) FROM visit").scalar_one()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"store {args.store}: {persons:,} persons, {visits:,} visits; "
        f"{os.cpu_count()} CPUs, load average {load:.2f}; target {TARGET_MS:.0f} ms"
    )
    # the demo's today, and a day before National Day when everyone owes a festival visit
    days = [(ANCHOR, "ordinary day"), (date(ANCHOR.year, 9, 25), "festival window")]
    with store.read() as s:
        biggest = s.connection().exec_driver_sql(
            "SELECT site_id FROM person GROUP BY site_id ORDER BY count(*) DESC LIMIT 5"
        )
        five_sites = [row[0] for row in biggest]
        in_five = (
            s.connection()
            .exec_driver_sql(
                f"SELECT count(*) FROM person WHERE site_id IN ({','.join('?' * len(five_sites))})",
                tuple(five_sites),
            )
            .scalar_one()
        )
    for on, label in days:
        print(
            f"{label} {on}: {_probed(store, on):,} persons have visits after the day "
            "(their latest visits as of the day are read from visit itself)"
        )
    for on, label in days:
        _measure(store, on, args.runs, f"whole scope, {label}")
    for on, label in days:
        _measure(store, on, args.runs, f"5 sites ({in_five:,} persons), {label}", five_sites)
    if args.with_index:
        started = time.perf_counter()
        with store.write() as s:
            s.connection().exec_driver_sql(INDEX_SQL)
            s.connection().exec_driver_sql("ANALYZE visit")
        print(f"proposed index ready in {time.perf_counter() - started:.1f} s")
        for on, label in days:
            _measure(store, on, args.runs, f"with index, {label}")
        for on, label in days:
            _measure(store, on, args.runs, f"with index, 5 sites, {label}", five_sites)
        with store.write() as s:
            s.connection().exec_driver_sql("DROP INDEX ix_visit_person_due")
        print("proposed index dropped again (the cached store stays as the app makes it)")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
