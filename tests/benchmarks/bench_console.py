"""HQ console benchmark: the Overview and the overdue list over a province-sized HQ.

    FIELDKIT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python tests/benchmarks/bench_console.py [--persons 100000] [--visits 1000000] [--runs 3]

A fresh PostgreSQL schema (dropped at the end) gets the invented county of
:mod:`fieldkit.sampledata` as HQ holds it: every site, person, event and visit as a
JSON record in ``sync_record`` (loaded with COPY, as a push would leave them), HQ's
typed projection filled from them (:func:`fieldkit.hq.projection.rebuild_projection`,
as ``fieldkit admin rebuild-reports`` does, with the visits' sums and per-person
summaries; a push keeps them current), and the same visits in a
plain typed table ``bench_visit``; the filling is done in a child process, the
tables vacuumed after it, and a checkpoint and the kernel's writeback waited for
(``--schema NAME`` keeps a filled HQ for later runs). In the same run it times:

- the baseline: one ``SELECT site, reason, count(*), sum(money_fen) ... GROUP BY
  site, reason`` over ``bench_visit`` (median of the runs, like every figure);
- the console's Overview and overdue list, rendered through the console app with a
  signed-in admin (HTTP in process), each cold (nothing kept: the due list computed
  for all of HQ, as a worker's first page or the first of a day), warm (same
  revision), and after a push of ``--push`` visits (a new revision: the persons it
  concerns computed again), median of the runs;
- the statements behind them, one by one, to show where the time goes.

It prints each figure (median of ``--runs``), the ratio to the baseline, the 500 ms
target and the machine's load average before and after the timed runs.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, select, text, update

from fieldkit.console import figures, projected, records
from fieldkit.console.accounts import set_password
from fieldkit.console.app import create_console_app
from fieldkit.console.web import ConsoleSettings
from fieldkit.domain.careplan import DayRules, compute_due_list
from fieldkit.domain.models import Person, PersonEvent, Site
from fieldkit.hq.projection import keep_current, migrate_projection, rebuild_projection
from fieldkit.sampledata.county import ANCHOR, VISIT_COLUMNS, CountyGenerator
from fieldkit.services.due import DueVisits
from fieldkit.store.outbox import synced_columns
from fieldkit.store.wire import to_wire
from fieldkit.sync_schema import ROLES, sync_schema
from sync.server import tables as t
from sync.server.admin import add_user
from sync.server.db import make_engine, migrate, write_begin
from sync.server.records import next_rev
from sync.server.settings import WrittenRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*
from tests.support.hq_process import database_urls

TARGET_MS = 500.0
_NULL = "\\N"  # COPY's NULL
_CLOCK = orjson.dumps({"*": ["1761955200000-00000-bench", 1, "bench"]}).decode()


def _copy_escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _copy(engine: Engine, table: str, columns: list[str], lines: Iterator[str]) -> int:
    """Stream tab-separated ``lines`` into ``table`` with COPY; returns the row count."""
    n = 0
    with engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            buf = io.StringIO()
            for line in lines:
                buf.write(line)
                n += 1
                if n % 20_000 == 0:
                    cp.write(buf.getvalue())
                    buf = io.StringIO()
            cp.write(buf.getvalue())
    return n


_RECORD = ["tbl", "id", "scope", "data", "clocks", "deleted", "rev", "parent"]


def _record_line(tbl: str, row_id: str, scope: str, data: dict[str, Any], parent: str) -> str:
    body = _copy_escape(orjson.dumps(data).decode())
    link = parent or _NULL
    return f"{tbl}\t{row_id}\t{scope}\t{body}\t{_CLOCK}\tf\t1\t{link}\n"


def load_county(engine: Engine, persons: int, visits: int) -> dict[str, int]:
    """The generated county into ``sync_record`` and ``bench_visit``; counts per table."""
    gen = CountyGenerator(persons=persons, visits=visits)
    counts: dict[str, int] = {}

    def plain(model: Any, rows: list[dict[str, Any]], parent: str = "") -> Iterator[str]:
        cols = synced_columns(model)
        name = str(model.__tablename__)
        for row in rows:
            data = {c: to_wire(row[c]) for c in cols}
            scope = row["id"] if model is Site else row["site_id"]
            yield _record_line(name, row["id"], scope, data, row.get(parent, "") if parent else "")

    counts["site"] = _copy(engine, "sync_record", _RECORD, plain(Site, gen.sites))
    counts["person"] = _copy(engine, "sync_record", _RECORD, plain(Person, gen.persons))
    counts["person_event"] = _copy(
        engine, "sync_record", _RECORD, plain(PersonEvent, gen.events, "person_id")
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_visit (id text PRIMARY KEY, site text NOT NULL,"
                " person_id text NOT NULL, reason text NOT NULL, visited_at timestamp NOT NULL,"
                " money_fen bigint NOT NULL)"
            )
        )
    at = {c: i for i, c in enumerate(VISIT_COLUMNS)}

    def visit_lines(typed: bool) -> Iterator[str]:
        for batch in CountyGenerator(persons=persons, visits=visits).iter_visit_values(100_000):
            for v in batch:
                when = str(v[at["visited_at"]]).replace(" ", "T")[:19]
                if typed:
                    yield (
                        f"{v[0]}\t{v[at['site_id']]}\t{v[at['person_id']]}\t{v[at['reason']]}"
                        f"\t{when}\t{v[at['money_fen']]}\n"
                    )
                    continue
                data = {c: v[i] for c, i in at.items() if c != "id"}
                data["visited_at"] = when
                data["deleted"] = bool(data["deleted"])
                yield _record_line("visit", v[0], v[at["site_id"]], data, v[at["person_id"]])

    counts["visit"] = _copy(engine, "sync_record", _RECORD, visit_lines(False))
    _copy(
        engine,
        "bench_visit",
        ["id", "site", "person_id", "reason", "visited_at", "money_fen"],
        visit_lines(True),
    )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return counts


class Timings:
    """Wall and CPU milliseconds per figure (CPU: this process, where the console app
    runs; PostgreSQL's own CPU is not in it)."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}

    def time(self, name: str, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once and keep its wall and CPU time under ``name``."""
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        self.wall.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        self.cpu.setdefault(name, []).append((time.process_time() - cpu) * 1000)


def _forget() -> None:
    """Drop what the worker keeps: the next page computes everything (a worker's first
    page, or the first after the day turned)."""
    figures.forget()


def _sample_visits(engine: Engine, n: int) -> list[str]:
    """``n`` random visit ids (drawn once, before the timed runs)."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM report_visit ORDER BY random() LIMIT :n"), {"n": n}
        ).scalars()
        return list(found)


def _push(engine: Engine, ids: list[str]) -> None:
    """What a push of the visits ``ids`` leaves: a new revision on those records (their
    values unchanged), the projection rows rewritten by the push's hook."""
    with write_begin(engine) as conn:
        rev = next_rev(conn)
        r = t.record.c
        rows = conn.execute(
            select(r.tbl, r.id, r.scope, r.data, r.deleted).where(r.tbl == "visit", r.id.in_(ids))
        ).all()
        conn.execute(update(t.record).where(r.tbl == "visit", r.id.in_(ids)).values(rev=rev))
        keep_current(
            conn,
            [
                WrittenRecord(row.tbl, row.id, row.scope, orjson.loads(row.data), row.deleted)
                for row in rows
            ],
        )


@contextmanager
def _database(base: str, schema: str | None) -> Iterator[tuple[str, bool]]:
    """The bench's HQ database URL and whether it is filled already: a fresh schema
    dropped at the end, or ``schema`` kept (made if missing)."""
    if schema is None:
        with database_urls("postgres", Path(tempfile.gettempdir())) as url:
            yield url, False
        return
    admin = create_engine(base)
    with admin.begin() as conn:
        found = conn.execute(
            text(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = :s"
                " AND table_name = 'bench_visit'"
            ),
            {"s": schema},
        ).first()
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}", found is not None


def _fill(engine: Engine, persons: int, visits: int) -> dict[str, int]:
    """The county loaded and the projection rebuilt from it; counts per table."""
    started = time.perf_counter()
    counts = load_county(engine, persons, visits)
    print(f"loaded {counts} in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with engine.begin() as conn:
        rebuild_projection(conn)
    print(f"projection made in {time.perf_counter() - started:.0f} s")
    return counts


def _fill_url(url: str, persons: int, visits: int) -> dict[str, int]:
    """:func:`_fill` of the database at ``url`` (run in a child process)."""
    engine = make_engine(url)
    try:
        return _fill(engine, persons, visits)
    finally:
        engine.dispose()


def _fill_apart(url: str, persons: int, visits: int) -> dict[str, int]:
    """:func:`_fill` in a child process: the timed pages then run in a process that
    has only served them, as an HQ server's has, on a fresh schema as on a kept one."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_fill_url, url, persons, visits).result()


def _settle(engine: Engine) -> None:
    """Wait for what a fill leaves PostgreSQL and the kernel to write: a checkpoint
    (the fill's WAL asks for one, spread over minutes by
    ``checkpoint_completion_target``; the vacuum dirtied every page) and the
    kernel's dirty pages, so the timed pages do not run beside that writing."""
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("CHECKPOINT"))
    os.sync()
    print(f"checkpoint and sync in {time.perf_counter() - started:.1f} s")


def _counts(engine: Engine) -> dict[str, int]:
    """Records per table of a kept HQ."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tbl, count(*) FROM sync_record GROUP BY tbl")).all()
    return {str(tbl): int(n) for tbl, n in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--push", type=int, default=1000, help="visits a timed push changes")
    parser.add_argument(
        "--schema",
        help="keep the filled HQ in this PostgreSQL schema (reused, migrated, if it exists):"
        " code before and after a change measured on the same data",
    )
    args = parser.parse_args()
    base = os.environ.get("FIELDKIT_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        print("set FIELDKIT_TEST_DATABASE_URL to a PostgreSQL URL", file=sys.stderr)
        return 2
    from starlette.testclient import TestClient

    with _database(base, args.schema) as (url, filled):
        engine = make_engine(url)
        migrate(engine)
        started = time.perf_counter()
        migrate_projection(engine)  # empty: made now, filled below (or the kept one migrated)
        print(f"projection migrated in {time.perf_counter() - started:.0f} s")
        counts = _counts(engine) if filled else _fill_apart(url, args.persons, args.visits)
        # A run that fills and one on a kept schema time the same state: the new
        # tables vacuumed as autovacuum does after a load (visibility map and hint bits
        # set; otherwise the first pages' reads write them).
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE" if not filled else "ANALYZE")
            )
        _settle(engine)
        with write_begin(engine) as conn:
            add_user(conn, ROLES, "bench", "admin", None)
        app = create_console_app(engine, sync_schema(), ConsoleSettings(today=lambda: ANCHOR))
        with write_begin(engine) as conn:
            set_password(conn, "bench", "bench-password")
        client = TestClient(app, base_url="http://127.0.0.1/console", root_path="/console")
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        signed = client.post(
            "/login",
            data={"csrf": token.group(1), "name": "bench", "password": "bench-password"},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text

        def get(path: str) -> Callable[[], Any]:
            def run() -> None:
                reply = client.get(path)
                assert reply.status_code == 200, reply.text[:300]

            return run

        baseline_sql = text(
            "SELECT site, reason, count(*), sum(money_fen) FROM bench_visit GROUP BY site, reason"
        )

        def baseline() -> None:
            with engine.connect() as conn:
                conn.execute(baseline_sql).all()

        load_before = os.getloadavg()
        timings = Timings()
        pushed = args.push
        sample = _sample_visits(engine, pushed * 2 * args.runs)
        for _run in range(args.runs):
            timings.time("baseline", baseline)
            for name, path in (("overview", "/?quarter=2026Q4"), ("overdue list", "/overdue")):
                _forget()
                timings.time(f"{name} cold", get(path))
                timings.time(f"{name} warm", get(path))
                _push(engine, sample[:pushed])
                sample = sample[pushed:]
                timings.time(f"{name} after a push of {pushed} visits", get(path))
        # where the time of a cold page goes
        quarter = figures.Quarter(2026, 4)
        with engine.connect() as conn:
            sites = records.sites(conn)
            parts: dict[str, Callable[[], Any]] = {
                "  persons per site": lambda: records.person_counts(conn),
                "  visits and money per site and day (quarter, chart; kept sums)": lambda: (
                    records.visits_by_day(conn, quarter.start - timedelta(days=7), quarter.end)
                ),
                "  (before) care facts of everyone (persons, summaries, events)": lambda: (
                    records.care_facts(conn, ANCHOR, records.relocation_site_ids(sites))
                ),
            }
            rules = DayRules(ANCHOR, DueVisits.policy())
            relocation = records.relocation_site_ids(sites)
            parts["  candidates' care facts (statements, events)"] = lambda: (
                records.candidate_facts(conn, rules, relocation)
            )
            candidates = records.candidate_facts(conn, rules, relocation).persons
            parts["  the care-plan engine over the candidates"] = lambda: [
                rules.tasks(f) for f in candidates
            ]
            facts = records.care_facts(conn, ANCHOR, relocation)
            parts["    events"] = lambda: projected._events(conn, ANCHOR, None)
            parts["  (before) the care-plan engine over every person"] = lambda: compute_due_list(
                facts.persons, ANCHOR, DueVisits.policy()
            )
            print(f"candidates: {len(candidates)} of {len(facts.persons)} persons")
            for name, fn in parts.items():
                for _ in range(args.runs):
                    timings.time(name, fn)
        load_after = os.getloadavg()
        engine.dispose()

    results = timings.wall
    best = statistics.median(results["baseline"])
    best_cpu = statistics.median(timings.cpu["baseline"])
    print(f"\n{args.persons} persons, {counts['visit']} visits on PostgreSQL, {args.runs} runs")
    print(
        "load average (1, 5, 15 min): before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    print(
        f"{'figure':52} {'median ms':>10} {'x baseline':>11} {'CPU ms':>8} {'runs (wall ms)':>24}"
        f"  target {TARGET_MS:.0f} ms"
    )
    for name, times in results.items():
        ms = statistics.median(times)
        cpu = statistics.median(timings.cpu[name])
        runs = " ".join(f"{x:.0f}" for x in times)
        verdict = (
            ""
            if name.startswith("  ") or name == "baseline"
            else ("ok" if ms < TARGET_MS else "over")
        )
        print(f"{name:52} {ms:10.0f} {ms / best:11.1f} {cpu:8.0f} {runs:>24}  {verdict}")
    print(
        f"(the baseline's CPU in this process: {best_cpu:.0f} ms; the statement runs in PostgreSQL)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
