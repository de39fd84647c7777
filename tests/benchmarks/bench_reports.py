"""Benchmark: the quarterly tables of a laptop store of 20,000 persons.

    python tests/benchmarks/bench_reports.py [--store PATH] [--persons N] [--visits M]
                                             [--quarter 2026Q3] [--runs N] [--touch N]
                                             [--with-index]

The store is made once by the sample-data generator (``fieldkit.sampledata``; its
year of history ends on 2026-10-31, so 2026Q3 is a full quarter) and reused from
``PATH`` (default: ``$TMPDIR/fieldkit-bench/reports-20k.db``). The first run also
copies the visits into a plain typed table ``bench_plain_visit`` (site, reason, time,
money; no index) in the same file.

It prints the wall-clock and CPU time of ``build_report`` over every site, and the
time of the baseline measured right after each report in the same database (one
``SELECT site_id, reason, count(*), sum(money_fen) FROM bench_plain_visit GROUP BY
site_id, reason`` over all the visits), and the ratios to the 3x target, for three
states of the figures the reports keep (``fieldkit.reports.kept``): **cold** (none
kept: every person is replayed, then kept), **warm** (nothing changed since the last
report: medians of ``--runs``), and **after ``--touch`` persons changed** (one visit
in the quarter of each corrected through the real write path before each run, so
each report replays them); then where a warm report's time goes (each source query,
then the replay and the tables); then the first report of the quarter after the
laptop kept its rows (:mod:`fieldkit.services.keeping`, as after ``fieldkit sync`` or
the app's child: the step from nothing, then again after ``--touch`` persons changed;
the step's wall-clock and CPU printed); and the time to write each file format.

``--with-index`` then adds an index on ``visit (visited_at)`` (the laptop store has
none: every quarter query scans the visits), measures again, and drops it.

The HQ case (``--hq``; PostgreSQL from ``--hq-url``, default
``$FIELDKIT_TEST_DATABASE_URL``) times the report at headquarters: ``HqSource`` over
the typed projection of ``--hq-persons`` persons and ``--hq-visits`` visits (default
100,000 and 1,000,000), made once from a generated store into its own schema
(``fk_bench_hq_P_V``) by the very hook a push runs (``keep_current``: its records per
second are printed), beside a plain typed table ``bench_plain_visit`` (site, reason,
time, money) of the same visits. The baseline is one ``SELECT site_id, reason,
count(*), sum(money_fen) FROM bench_plain_visit GROUP BY site_id, reason`` in the same
database and run; the persons changed are five times ``--touch``, their corrections
pushed through the hook, whose time is printed with the share of the version bump
(:mod:`fieldkit.hq.projection.kept`). Then the first report of the quarter at a running
HQ: the server's keeper (:mod:`fieldkit.hq.keeper`) filled the quarter's rows from
nothing and again after the persons changed, and the report finds them current (the
keeper's wall-clock and CPU printed). ``--hq-schema`` names the schema. For a quick
run: ``--hq --hq-persons 20000 --hq-visits 200000``.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from fieldkit.hq.projection import keep_current
from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from fieldkit.reports.keeping import KeptQuarter
from fieldkit.reports.output import FORMATS
from fieldkit.reports.quarter import Quarter
from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from sync.server.settings import WrittenRecord

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

    def __init__(self, inner: Any) -> None:
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


Report = Callable[[Any], QuarterlyReport]
"""Makes the report on a source (wrapped by the breakdown's timer, or not)."""


class Case:
    """How to make the report, the baseline and changes in one database."""

    cold_title = "cold (nothing kept)"
    cold_note = ""

    def report(self, wrap: Callable[[Any], Any] = lambda s: s) -> QuarterlyReport:
        """One report over every site (its own snapshot)."""
        raise NotImplementedError

    def baseline(self) -> float:
        """Wall-clock seconds of the baseline query."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop every kept figure (the next report replays everyone)."""
        raise NotImplementedError

    def touch(self, persons: int) -> None:
        """Correct one visit in the quarter of each of ``persons`` persons (the real write
        path: the store's triggers, HQ's push hook), raising their versions."""
        raise NotImplementedError


def _timed_report(case: Case) -> tuple[float, float, QuarterlyReport]:
    started, cpu_started = time.perf_counter(), time.process_time()
    report = case.report()
    return time.perf_counter() - started, time.process_time() - cpu_started, report


def _measure(case: Case, runs: int, touched: int, cold_breakdown: bool = False) -> QuarterlyReport:
    """Time the report against the baseline: cold (nothing kept), warm (nothing changed
    since the last report), and after ``touched`` persons' visits were corrected; print
    the medians and ratios, then where a warm report's time goes."""
    case.report()  # warm the page cache and the imports
    case.baseline()
    rows: list[tuple[str, list[float], list[float], list[float]]] = []
    for title, before, count in (
        (case.cold_title, case.forget, 1),
        ("warm (nothing changed)", lambda: None, runs),
        (f"after {touched:,} persons changed", lambda: case.touch(touched), runs),
    ):
        walls, cpus, bases = [], [], []
        for _ in range(count):
            before()
            wall, cpu, report = _timed_report(case)
            walls.append(wall)
            cpus.append(cpu)
            bases.append(case.baseline())
        rows.append((title, walls, cpus, bases))
    _table(rows)
    if case.cold_note:
        print(f"  ({case.cold_note})")
    _breakdown(report, case, touched, cold_breakdown)
    return report


def _table(rows: list[tuple[str, list[float], list[float], list[float]]]) -> None:
    """Per state: the median wall-clock, CPU and baseline, and the ratio to the target."""
    print(f"  {'report':<32} {'median wall':>12} {'CPU':>10} {'baseline':>10}  ratio")
    for title, walls, cpus, bases in rows:
        wall, base = statistics.median(walls), statistics.median(bases)
        verdict = "within" if wall / base <= TARGET_RATIO else "above"
        print(f"  {title:<32} {_ms(wall)} {_ms(statistics.median(cpus))} {_ms(base)}  "
              f"{wall / base:5.1f}x ({verdict} {TARGET_RATIO:.0f}x; runs "
              f"{', '.join(f'{w:.2f}' for w in walls)} s)")  # fmt: skip


def _breakdown(report: QuarterlyReport, case: Case, touched: int, cold: bool) -> None:
    """Print the report's main figures, then where one warm report's time goes, one
    after ``touched`` persons changed and (``cold``) one with nothing kept."""
    print(
        f"  figures: {report.persons.total.served:,} persons served, "
        f"{report.visits.total.visits:,} visits, {report.care_by_site.total.outcomes.due:,} "
        f"care-plan visits due"
    )
    states: list[tuple[str, Callable[[], None]]] = [
        ("warm", lambda: None),
        (f"after {touched:,} changed", lambda: case.touch(touched)),
    ]
    if cold:
        states.append(("cold", case.forget))
    for title, before in states:
        timers: list[_Timed] = []

        def wrap(source: Any, timers: list[_Timed] = timers) -> Any:
            timers.append(_Timed(source))
            return timers[-1]

        before()
        started = time.perf_counter()
        case.report(wrap)
        whole = time.perf_counter() - started
        spent = timers[-1].spent
        print(f"  where one report's time goes ({title}, wall {_ms(whole).strip()}):")
        for name, took in sorted(spent.items(), key=lambda kv: -kv[1]):
            print(f"    source.{name:<26} {_ms(took)}")
        rest = whole - sum(spent.values())
        print(f"    {'the replay and the tables':<33} {_ms(rest)}")


class _LaptopCase(Case):
    cold_title = "cold (nothing kept)"
    cold_note = "cold: nothing kept, a laptop whose keeper never ran for the quarter"

    def __init__(self, store: Store, quarter: Quarter) -> None:
        self.store, self.quarter = store, quarter
        self.rng = random.Random(7)

    def report(self, wrap: Callable[[Any], Any] = lambda s: s) -> QuarterlyReport:
        return build_report(wrap(StoreSource(self.store)), self.quarter)

    def baseline(self) -> float:
        return _baseline(self.store)[0]

    def forget(self) -> None:
        with self.store.write() as s:
            s.connection().exec_driver_sql("DELETE FROM report_replay")

    def touch(self, persons: int) -> None:
        with self.store.write() as s:
            conn = s.connection()
            ids = (
                conn.exec_driver_sql(
                    "SELECT min(id) FROM visit WHERE visited_at >= ? AND visited_at < ?"
                    " GROUP BY person_id",
                    (self.quarter.start.isoformat(), self.quarter.next_start.isoformat()),
                )
                .scalars()
                .all()
            )
            for visit_id in self.rng.sample(ids, min(persons, len(ids))):
                conn.exec_driver_sql(
                    "UPDATE visit SET money_fen = money_fen + 100 WHERE id = ?", (visit_id,)
                )


def _kept_by_laptop(case: _LaptopCase, runs: int, touched: int) -> None:
    """The first report of a quarter after the laptop kept its rows (after a sync): the
    laptop's step (:func:`fieldkit.services.keeping.keep_store_report_rows`, what ``fieldkit
    sync`` and the app's child run) filled the quarter from nothing, ``touched`` persons
    were then changed (as a sync pulls) and the step ran again; then the report. Prints
    the step's wall-clock and CPU (its own process's thread) and the report against the
    baseline."""
    from fieldkit.domain.careplan import default_policy
    from fieldkit.services.keeping import keep_store_report_rows

    def step() -> KeptQuarter:
        return keep_store_report_rows(case.store.path, case.quarter, default_policy())

    print("first report of a quarter after the laptop kept its rows (after a sync):")
    _first_report_after(case, runs, touched, step, "the laptop's step", "kept by the laptop")


def _first_report_after(
    case: Case, runs: int, touched: int, step: Callable[[], KeptQuarter], who: str, by: str
) -> None:
    """Per run: nothing kept, ``step`` fills the quarter, ``touched`` persons change,
    ``step`` again, then the report timed against the baseline; prints the step's
    medians (from nothing, after the changes) and the report's row."""
    fills: list[KeptQuarter] = []
    afters: list[KeptQuarter] = []
    walls, cpus, bases = [], [], []
    for _ in range(runs):
        case.forget()
        fills.append(step())
        case.touch(touched)
        afters.append(step())
        wall, cpu, _report = _timed_report(case)
        walls.append(wall)
        cpus.append(cpu)
        bases.append(case.baseline())
    for title, kept in (("from nothing", fills), (f"after {touched:,} persons changed", afters)):
        print(f"  {who}, {title}: {kept[0].replayed:,} persons replayed, median "
              f"wall {_ms(statistics.median(k.seconds for k in kept)).strip()}, CPU "
              f"{_ms(statistics.median(k.cpu_seconds for k in kept)).strip()} (runs "
              f"{', '.join(f'{k.seconds:.2f}' for k in kept)} s)")  # fmt: skip
    _table([(f"first report ({by})", walls, cpus, bases)])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "fieldkit-bench" / "reports-20k.db"
    parser.add_argument("--store", type=Path, default=default)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--quarter", default="2026Q3")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--touch", type=int, default=200, help="persons changed between runs")
    parser.add_argument("--with-index", action="store_true")
    parser.add_argument("--hq", action="store_true", help="the HQ case on PostgreSQL instead")
    parser.add_argument(
        "--cold-breakdown", action="store_true", help="also time a cold report's parts"
    )
    parser.add_argument("--hq-url", default=os.environ.get("FIELDKIT_TEST_DATABASE_URL"))
    parser.add_argument("--hq-persons", type=int, default=100_000)
    parser.add_argument("--hq-visits", type=int, default=1_000_000)
    parser.add_argument(
        "--hq-schema", default=None, help="the HQ schema (default fk_bench_hq_PERSONS_VISITS)"
    )
    args = parser.parse_args()
    if args.hq:
        return _hq_case(args)

    store = _store(args.store, args.persons, args.visits)
    quarter = parse_quarter(args.quarter)
    plain = _plain_table(store)
    with store.read() as s:
        persons = s.connection().exec_driver_sql("SELECT count(*) FROM person").scalar_one()
    print(f"store {args.store}: {persons:,} persons, {plain:,} visits; quarter {quarter}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")

    case = _LaptopCase(store, quarter)
    print("report, every site:")
    report = _measure(case, args.runs, args.touch)
    _kept_by_laptop(case, args.runs, args.touch)
    if args.with_index:
        with store.write() as s:
            s.connection().exec_driver_sql(INDEX_SQL)
        try:
            print("with visit (visited_at) index:")
            _measure(case, args.runs, args.touch)
        finally:
            with store.write() as s:
                s.connection().exec_driver_sql("DROP INDEX bench_ix_visit_time")

    for suffix, write in FORMATS.items():
        started = time.perf_counter()
        data = write(report)
        print(f"write {suffix:<5} {_ms(time.perf_counter() - started)}  {len(data):,} bytes")
    store.close()
    return 0


# ---------------------------------------------------------------- the HQ case


def _hq_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


_PROJECTED_COLUMNS = {
    "site": "id, name, kind, county, deleted",
    "volunteer_team": "id, name, site_id, deleted",
    "person": "id, code, name, site_id, address, phone, category, tier, status, birth_date,"
    " deleted",
    "person_event": "id, person_id, kind, happened_on, deleted",
    "visit": "id, person_id, site_id, reason, visited_at, confirmation, money_fen, goods,"
    " follow_up, follow_up_due, deleted",
    "consultation": "id, site_id, person_id, topic, held_on, deleted",
    "service_activity": "id, team_id, kind, held_on, duration_minutes, attendee_count,"
    " people_reached, deleted",
}
"""What the projection reads of each synced table (the rest of a record is not needed)."""


def _written(store: Store, tbl: str) -> Iterator[list[WrittenRecord]]:
    """The store's rows of ``tbl`` as the records a push hands its hook, 5,000 at a time."""
    with store.read() as s:
        driver = s.connection().connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        cur = driver.execute(f"SELECT {_PROJECTED_COLUMNS[tbl]} FROM {tbl}")
        names = [d[0] for d in cur.description]
        while rows := cur.fetchmany(5000):
            yield [
                WrittenRecord(tbl, row[0], "", data, bool(data["deleted"]))
                for row in rows
                for data in (dict(zip(names, row, strict=True)),)
            ]


def _fill_hq(engine: Engine, store: Store) -> None:
    """The projection filled by ``keep_current``, and the plain table of the same visits."""
    hooked, records = 0.0, 0
    for tbl in _PROJECTED_COLUMNS:
        for batch in _written(store, tbl):
            started = time.perf_counter()
            with engine.begin() as conn:
                keep_current(conn, batch)
            hooked += time.perf_counter() - started
            records += len(batch)
    print(f"  projection kept by the push hook: {records:,} records in {hooked:.0f} s "
          f"({records / hooked:,.0f} records/s, batches of 5,000)")  # fmt: skip
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE {PLAIN} (site_id TEXT NOT NULL, reason TEXT NOT NULL,"
            " visited_at TIMESTAMP NOT NULL, money_fen BIGINT NOT NULL)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {PLAIN} SELECT site_id, reason, visited_at, money_fen FROM report_visit"
        )
        conn.exec_driver_sql("CREATE TABLE bench_loaded (done INTEGER)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def _hq_database(base: str, persons: int, visits: int, schema: str | None = None) -> str:
    """The URL of the benchmark's HQ schema (``schema``, by default named after the
    sizes), made and filled on the first run."""
    from sqlalchemy import create_engine, inspect

    from fieldkit.hq.database import open_hq

    schema = schema or f"fk_bench_hq_{persons}_{visits}"
    url = _hq_url(base, schema)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    admin.dispose()
    engine = open_hq(url)
    try:
        with engine.connect() as conn:
            if inspect(conn).has_table("bench_loaded"):
                return url
        path = Path(tempfile.gettempdir()) / "fieldkit-bench" / f"hq-{persons}-{visits}.db"
        store = _store(path, persons, visits)
        try:
            print(f"filling HQ schema {schema} (once) ...")
            _fill_hq(engine, store)
        finally:
            store.close()
    finally:
        engine.dispose()
    return url


class _HqCase(Case):
    cold_title = "cold: nothing kept"
    cold_note = (
        "cold: nothing kept, after a policy change or a fresh migration; a running server "
        "fills it in the background (see the keeper below)"
    )

    def __init__(self, url: str, quarter: Quarter) -> None:
        from fieldkit.hq.database import open_hq

        self.url, self.quarter = url, quarter
        self.engine = open_hq(url)
        self.rng = random.Random(7)
        self.hook: list[tuple[float, float, int]] = []

    def report(self, wrap: Callable[[Any], Any] = lambda s: s) -> QuarterlyReport:
        from fieldkit.hq.report_source import HqSource
        from sync.server.db import read_snapshot

        with read_snapshot(self.engine) as conn, conn.begin():
            return build_report(wrap(HqSource(conn, self.engine)), self.quarter)

    def baseline(self) -> float:
        with self.engine.connect() as conn:
            started = time.perf_counter()
            rows = conn.exec_driver_sql(BASELINE).all()
            took = time.perf_counter() - started
        assert rows
        return took

    def forget(self) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM report_replay")
            conn.exec_driver_sql("DELETE FROM report_replay_sum")  # their sums
            conn.exec_driver_sql("DELETE FROM report_kept_mark")  # kept rows are gone

    def touch(self, persons: int) -> None:
        """Corrections of ``persons`` visits pushed through the hook (timed, and its
        version bump alone, in a transaction rolled back first)."""
        from fieldkit.hq.projection.kept import bump_versions

        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT DISTINCT ON (person_id) id, person_id, site_id, reason, visited_at,"
                " card_scanned, money_fen, goods_given, follow_up_owed, follow_up_due"
                " FROM report_visit WHERE visited_at >= %(a)s AND visited_at < %(b)s"
                " ORDER BY person_id, id",
                {"a": self.quarter.start, "b": self.quarter.next_start},
            ).all()
        batch = [
            WrittenRecord("visit", r.id, r.site_id, {
                "person_id": r.person_id, "site_id": r.site_id, "reason": r.reason,
                "visited_at": r.visited_at.isoformat(), "money_fen": r.money_fen + 100,
                "confirmation": "qr" if r.card_scanned else "none",
                "goods": "goods" if r.goods_given else "",
                "follow_up": "follow up" if r.follow_up_owed else "",
                "follow_up_due": r.follow_up_due and r.follow_up_due.isoformat(),
                "deleted": False,
            }, False)
            for r in self.rng.sample(rows, min(persons, len(rows)))
        ]  # fmt: skip
        with self.engine.connect() as conn, conn.begin() as tx:
            started = time.perf_counter()
            bump_versions(conn, batch)
            bumped = time.perf_counter() - started
            tx.rollback()
        with self.engine.begin() as conn:
            started = time.perf_counter()
            keep_current(conn, batch)
            whole = time.perf_counter() - started
        self.hook.append((whole, bumped, len(batch)))


def _kept_by_server(case: _HqCase, runs: int, touched: int) -> None:
    """The first report of the quarter at a running HQ: the server's keeper
    (:func:`fieldkit.hq.keep_reports.keep_report_rows`, the step its background thread
    runs) filled the quarter from nothing (as after a policy change or a fresh
    migration), ``touched`` persons were then changed by pushes and the keeper ran after
    them; then the report. Prints the keeper's wall-clock and CPU (its thread's; the
    database's own CPU is not counted) and the report against the baseline."""
    from fieldkit.domain.careplan import default_policy
    from fieldkit.hq.keep_reports import keep_report_rows

    def step() -> KeptQuarter:
        return keep_report_rows(case.engine, case.quarter, default_policy())

    print("first report of a quarter at a running HQ (rows kept by the server after the pushes):")
    _first_report_after(case, runs, touched, step, "the server's keeper", "kept by the server")


def _hq_case(args: argparse.Namespace) -> int:
    """Time the report at HQ against the baseline in the same PostgreSQL database."""
    if not args.hq_url:
        print("--hq needs --hq-url or FIELDKIT_TEST_DATABASE_URL (PostgreSQL)")
        return 2
    url = _hq_database(args.hq_url, args.hq_persons, args.hq_visits, args.hq_schema)
    quarter = parse_quarter(args.quarter)
    load = os.getloadavg()
    case = _HqCase(url, quarter)
    try:
        with case.engine.connect() as conn:
            counts = {
                t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in ("report_person", "report_visit", PLAIN)
            }
            name = conn.dialect.name
        print(f"HQ ({name}): {counts['report_person']:,} persons, "
              f"{counts['report_visit']:,} visits (plain table {counts[PLAIN]:,}); "
              f"quarter {quarter}")  # fmt: skip
        print(f"load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print("report at HQ, every site:")
        _measure(case, args.runs, args.touch * 5, args.cold_breakdown)
        whole = statistics.median(h[0] for h in case.hook)
        bumped = statistics.median(h[1] for h in case.hook)
        n = case.hook[0][2]
        print(f"  push hook on {n:,} corrected visits: median {_ms(whole)}, of which the "
              f"version bump {_ms(bumped)} ({bumped / whole:.0%})")  # fmt: skip
        _kept_by_server(case, args.runs, args.touch * 5)
    finally:
        case.engine.dispose()
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
