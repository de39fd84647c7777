"""Sync benchmarks (issue 5): push into PostgreSQL, initial pull, 200 devices at once.

    FIELDKIT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python tests/benchmarks/bench_sync.py [--visits 100000] [--persons 20000] \\
        [--pull-visits 200000] [--devices 200,1000] [--workers 2,4] \\
        [--pushes 3] [--connections 64] [--only push,pull,devices] [--no-keep-reports]

Each figure runs once against a real ``fieldkit serve`` process on a fresh
PostgreSQL schema (dropped at the end) and prints its rate next to a raw baseline:

1. push: N visit changes from a laptop's outbox, end to end into PostgreSQL, vs a
   raw psycopg ``executemany`` INSERT of the same rows into the same database;
2. pull: the initial pull of a scope of P persons and V visits into a new laptop:
   (i) the laptop's store write of the pulled pages (wall and CPU of the applying
   thread, the bulk load's end included) vs a raw sqlite3 ``executemany`` of the same
   rows into bare tables (primary key only: what the disk allows) and into a fresh
   store file; the same pages are then written again alone into a new store file
   (``replay``: the issue's ratio, measured like the baselines, which run alone;
   during the pull the server and PostgreSQL make the next pages on the same
   cores); (ii) the pull end to end, wall and CPU of each side. Both sides store
   the same values: the raw rows carry what the store keeps (its ids as 16 bytes,
   ``fieldkit.domain.ids.encode_id``, and the persons' search keys), made before
   their clock starts, as the laptop makes them in the thread that prepares pages;
3. devices: for each W of ``--workers`` and D of ``--devices``, on a fresh database: D
   devices enrolled, each for a site of its own, then pushing ``--pushes`` batches
   of 20 changes each (new persons and their visits, more visits, edits of the
   persons) all at once through at most ``--connections`` HTTP connections (asyncio
   + httpx) against ``fieldkit serve --workers W``: p50, p99 and max push latency,
   throughput, errors, the load average, and what PostgreSQL's busy backends were
   waiting on (``pg_stat_activity`` sampled every 50 ms).

Raw baselines run twice and the faster run counts, which can only lower the
printed ratios (the machine may be shared and disks are noisy).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.engine import make_url

from fieldkit.domain.ids import encode_id, new_id
from fieldkit.domain.models import SYNCED_TABLES, StoreId
from fieldkit.domain.search_keys import name_keys
from fieldkit.store import Store, bulk_load
from fieldkit.store.replica import StoreReplica
from fieldkit.store.search_index import register_functions
from fieldkit.sync_schema import ROLES, sync_schema
from fieldkit.syncing import enroll, sync_now
from sync import PROTOCOL_VERSION
from sync.client import SyncClient, push_all
from sync.hlc import HLC
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA, PullPage
from sync.replica import PageApplied
from sync.server import tables as t
from sync.server.admin import add_user, create_code
from sync.server.db import make_engine, migrate, write_begin

VISIT_COLS = [
    "person_id", "site_id", "reason", "visited_at", "visitors", "people_present",
    "confirmation", "needs", "services", "money_fen", "goods", "follow_up",
    "follow_up_due", "notes", "deleted",
]  # fmt: skip


def visit_wire(i: int, person_id: str, site_id: str) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "site_id": site_id,
        "reason": ("festival", "routine", "hospital", "needs")[i % 4],
        "visited_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{8 + i % 10:02d}:30:00",
        "visitors": "王芳,李强",
        "people_present": "本人及家属",
        "confirmation": ("qr", "none")[i % 2],
        "needs": "医疗;助餐" if i % 3 == 0 else "",
        "services": "测血压，送米面油",
        "money_fen": (i % 5) * 10000,
        "goods": "米一袋" if i % 2 else "",
        "follow_up": "",
        "follow_up_due": None,
        "notes": f"第{i}次走访",
        "deleted": False,
    }


def person_wire(i: int, site_id: str) -> dict[str, Any]:
    return {
        "code": f"BP-{i:06d}",
        "name": "张王李赵刘陈杨黄"[i % 8] + "秀英建国桂兰志强"[i % 8] + "明"[: i % 2],
        "sex": ("male", "female")[i % 2],
        "birth_date": f"19{30 + i % 30}-0{1 + i % 9}-1{i % 10}",
        "category": ("retired", "lixiu", "widow", "resident")[i % 4],
        "former_unit": "县供销社",
        "site_id": site_id,
        "address": f"{i % 40}栋{i % 6}单元",
        "phone": f"138{i:08d}",
        "id_number": f"513434194001{i:06d}",
        "family": "子女在外地",
        "health": "高血压",
        "lives_alone": i % 3 == 0,
        "hardship": i % 7 == 0,
        "party_member": i % 2 == 0,
        "party_year": 1960 + i % 30 if i % 2 == 0 else None,
        "skills": "",
        "notes": "",
        "status": "active",
        "tier": ("key", "periodic", "routine")[i % 3],
        "contact_id": None,
        "plan_notes": "",
        "plan_review_date": None,
        "deleted": False,
    }


SERVE_OPTIONS: list[str] = []
"""More options of every ``fieldkit serve`` the benchmark starts (``--no-keep-reports``)."""


class Server:
    def __init__(self, url: str, workers: int) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fieldkit", "serve", "--database-url", url,
             "--port", str(self.port), "--workers", str(workers), *SERVE_OPTIONS],
        )  # fmt: skip
        deadline = time.monotonic() + 300  # a busy machine starts it slowly
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("fieldkit serve did not start")

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def code(engine: Any, name: str, role: str, scope: list[str] | None) -> str:
    with write_begin(engine) as conn:
        add_user(conn, ROLES, name, role, scope)
        value, _ = create_code(conn, name, timedelta(hours=1))
    return value


def fill_outbox(store: Store, site_id: str, n_visits: int) -> None:
    """Visits and their outbox entries, as the store's capture would write them."""
    persons = [new_id() for _ in range(1000)]
    clock = HLC(node=store.device_id, last=store.meta("hlc") or "")
    conn = sqlite3.connect(store.path)
    register_functions(conn)  # the person table's search-key triggers call it
    conn.execute("PRAGMA foreign_keys=OFF")
    with conn:
        conn.executemany(
            "INSERT INTO person (id, code, name, sex, category, former_unit, site_id, address, "
            "phone, id_number, family, health, lives_alone, hardship, party_member, skills, "
            "notes, status, tier, plan_notes, deleted, search_full, search_initials) VALUES "
            "(?, ?, '某', 'male', 'retired', '', ?, '', '', '', '', '', 0, 0, 0, '', '', "
            "'active', 'routine', '', 0, '', '')",
            [(p, f"OB-{i}", site_id) for i, p in enumerate(persons)],
        )
        rows, outbox = [], []
        for i in range(n_visits):
            vid = new_id()
            w = visit_wire(i, persons[i % len(persons)], site_id)
            rows.append((vid, *[w[c] for c in VISIT_COLS]))
            data = json.dumps(w, ensure_ascii=False, sort_keys=True)
            outbox.append(("visit", vid, data, clock.now(), 0, "pending", "", "2026-11-21"))
        conn.executemany(
            f"INSERT INTO visit (id, {', '.join(VISIT_COLS)}) VALUES "
            f"({', '.join('?' * (len(VISIT_COLS) + 1))})",
            rows,
        )
        conn.executemany(
            "INSERT INTO outbox (tbl, row_id, data, hlc, seen_rev, state, reason, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            outbox,
        )
    conn.close()
    store.set_meta("hlc", clock.last)


RAW_RUNS = 2
"""Raw baselines run this many times and the fastest counts (the machine may be shared)."""


def _raw_pg(engine: Any, rows: list[tuple[Any, ...]], attempt: int) -> float:
    table = f"bench_raw_visit_{attempt}"
    with engine.begin() as conn:
        conn.execute(text(
            f"CREATE TABLE {table} (id varchar PRIMARY KEY, person_id varchar, "
            "site_id varchar, reason varchar, visited_at timestamp, visitors varchar, "
            "people_present varchar, confirmation varchar, needs varchar, services varchar, "
            "money_fen integer, goods varchar, follow_up varchar, follow_up_due date, "
            "notes varchar, deleted boolean)"
        ))  # fmt: skip
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        start = time.perf_counter()
        cur.executemany(
            f"INSERT INTO {table} (id, {', '.join(VISIT_COLS)}) VALUES "
            f"({', '.join(['%s'] * (len(VISIT_COLS) + 1))})",
            [(*r[:-1], bool(r[-1])) for r in rows],
        )
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def bench_push(db_url: str, engine: Any, tmp: Path, n: int) -> None:
    srv = Server(db_url, workers=1)
    try:
        store = Store(tmp / "pusher.db")
        enroll(store, srv.url, code(engine, "push-admin", "admin", None))
        site = new_id()
        fill_outbox(store, site, n)
        replica = StoreReplica(store)
        client = SyncClient(
            srv.url, store.meta("device_token"), schema_version=sync_schema().version
        )
        start = time.perf_counter()
        pushed = push_all(client, replica, batch=5000).applied
        push_s = time.perf_counter() - start
        assert pushed == n, pushed
    finally:
        srv.stop()
    # raw baseline: the same rows, executemany into the same PostgreSQL database
    src = sqlite3.connect(store.path)
    rows = src.execute(f"SELECT id, {', '.join(VISIT_COLS)} FROM visit").fetchall()
    src.close()
    raw_s = min(_raw_pg(engine, rows, attempt) for attempt in range(RAW_RUNS))
    sync_rate, raw_rate = n / push_s, n / raw_s
    print(f"push  {n} visit changes end to end into PostgreSQL: {push_s:.2f} s, "
          f"{sync_rate:,.0f} changes/s")  # fmt: skip
    print(f"      raw executemany of the same rows:            {raw_s:.2f} s, "
          f"{raw_rate:,.0f} rows/s")  # fmt: skip
    print(f"      ratio {sync_rate / raw_rate:.2f} (target >= 0.5)")


def seed_hq(engine: Any, site: str, n_persons: int, n_visits: int) -> list[tuple[Any, ...]]:
    """Records straight into the HQ tables (not timed); returns them for the baseline."""
    with write_begin(engine) as conn:
        rev = int(conn.execute(text("SELECT rev FROM sync_server_state WHERE id = 1")).scalar_one())
        rev += 1
        conn.execute(update(t.server_state).values(rev=rev))
    out: list[tuple[Any, ...]] = []
    persons = [new_id() for _ in range(n_persons)]
    site_row = {"name": "基准站点", "county": "", "kind": "village", "address": "",
                "deleted": False}  # fmt: skip
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        with write_begin(engine) as conn:
            conn.execute(insert(t.record), batch)
        batch.clear()

    def add(tbl: str, row_id: str, data: dict[str, Any]) -> None:
        batch.append({
            "tbl": tbl, "id": row_id, "scope": site, "deleted": False, "rev": rev,
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "clocks": "{}",
        })  # fmt: skip
        out.append((tbl, row_id, data))
        if len(batch) >= 5000:
            flush()

    add("site", site, site_row)
    for i, pid in enumerate(persons):
        add("person", pid, person_wire(i, site))
    for i in range(n_visits):
        add("visit", new_id(), visit_wire(i, persons[i % n_persons], site))
    flush()
    with engine.begin() as conn:  # fresh statistics, as a live database would have
        conn.execute(text("ANALYZE sync_record"))
    return out


_ID_COLUMNS = {
    str(m.__tablename__): {
        c.name
        for c in m.__table__.columns  # type: ignore[attr-defined]
        if isinstance(c.type, StoreId)
    }
    for m in SYNCED_TABLES
}
"""The columns holding record ids, per synced table."""


def _raw_sqlite(
    path: Path,
    by_tbl: dict[str, list[tuple[Any, ...]]],
    cols: dict[str, list[str]],
    bare: bool = False,
) -> tuple[float, float]:
    """Wall and CPU seconds to executemany the rows into a fresh store file in one
    transaction (the commit included, making the tables not).

    ``bare``: into plain tables (primary key only, no other index or trigger), to
    show what the store's own indexes and triggers cost both sides.
    """
    if bare:
        conn = sqlite3.connect(path)
        for tbl, names in cols.items():
            conn.execute(f"CREATE TABLE {tbl} (id TEXT PRIMARY KEY, {', '.join(names)})")
        conn.close()
    else:
        Store(path).close()  # the same schema, indexes and triggers as a laptop store
    conn = sqlite3.connect(path)
    register_functions(conn)  # the SQL function the store's search-key triggers call
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    start, cpu = time.perf_counter(), time.thread_time()
    with conn:
        for tbl, rows in by_tbl.items():
            names = cols[tbl]
            conn.executemany(
                f"INSERT INTO {tbl} (id, {', '.join(names)}) VALUES "
                f"({', '.join('?' * (len(names) + 1))})",
                rows,
            )
    took, cpu = time.perf_counter() - start, time.thread_time() - cpu
    conn.close()
    return took, cpu


class ApplyClock:
    """Wall and CPU seconds (of the applying thread) the laptop spends writing pulled
    pages into its store (``StoreReplica.apply_prepared``: the upserts, cursor, and a
    bulk load's end), and of that the bulk load's end (``bulk_load.finish``); the
    fetching, parsing and preparing of pages (another thread) are not in it."""

    def __init__(self) -> None:
        self.wall = self.cpu = self.finish_wall = self.finish_cpu = 0.0
        self.pages = 0
        self.applied: list[tuple[PullPage, object]] = []
        """Each page applied and its prepared rows, in order (see :func:`replay`)."""

    @contextmanager
    def installed(self) -> Iterator[None]:
        apply, finish = StoreReplica.apply_prepared, bulk_load.finish

        def timed_apply(replica: StoreReplica, page: PullPage, prepared: object) -> PageApplied:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return apply(replica, page, prepared)
            finally:
                self.wall += time.perf_counter() - start
                self.cpu += time.thread_time() - cpu
                self.pages += 1
                self.applied.append((page, prepared))

        def timed_finish(conn: Any) -> None:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                finish(conn)
            finally:
                self.finish_wall += time.perf_counter() - start
                self.finish_cpu += time.thread_time() - cpu

        StoreReplica.apply_prepared = timed_apply  # type: ignore[method-assign, assignment]
        bulk_load.finish = timed_finish
        try:
            yield
        finally:
            StoreReplica.apply_prepared = apply  # type: ignore[method-assign]
            bulk_load.finish = finish


def replay(path: Path, applied: list[tuple[PullPage, object]]) -> ApplyClock:
    """The store write of a pull again, alone: the same pages, prepared as they were,
    applied in order into a new store file by ``StoreReplica.apply_prepared`` (the
    bulk load, its end, the cursor), timed as during the pull. During the pull the
    server and PostgreSQL make the next pages on the same cores, and the writing
    thread waits for a core; the raw baselines run alone, and so does this."""
    clock = ApplyClock()
    store = Store(path)
    try:
        replica = StoreReplica(store)
        with clock.installed():
            for page, prepared in applied:
                replica.apply_prepared(page, prepared)
    finally:
        store.close()
    return clock


def _row_counts(path: Path) -> dict[str, int]:
    """How many rows each synced table of the store file holds."""
    conn = sqlite3.connect(path)
    try:
        counts = {}
        for model in SYNCED_TABLES:
            table = str(model.__tablename__)
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return counts
    finally:
        conn.close()


def bench_pull(db_url: str, engine: Any, tmp: Path, n_persons: int, n_visits: int) -> None:
    site = new_id()
    records = seed_hq(engine, site, n_persons, n_visits)
    srv = Server(db_url, workers=1)
    clock = ApplyClock()
    try:
        store = Store(tmp / "puller.db")
        enroll(store, srv.url, code(engine, "pull-staff", "staff", [site]))
        server_cpu = srv.cpu_seconds()
        start, cpu = time.perf_counter(), time.process_time()
        with clock.installed():
            report = sync_now(store)
        pull_s, cpu = time.perf_counter() - start, time.process_time() - cpu
        server_cpu = srv.cpu_seconds() - server_cpu
        assert report.ok, report.error
        assert report.pulled == len(records), report.pulled
    finally:
        srv.stop()
    store.close()
    alone = replay(tmp / "replayed.db", clock.applied)
    assert _row_counts(tmp / "replayed.db") == _row_counts(tmp / "puller.db")
    clock.applied.clear()
    # raw baselines: the same rows, sqlite3 executemany into a fresh store file
    by_tbl: dict[str, list[tuple[Any, ...]]] = {}
    cols: dict[str, list[str]] = {}
    for tbl, row_id, data in records:
        if tbl == "person":  # derived search keys, computed before the clock starts
            data = {**data, **dict(zip(("search_full", "search_initials"),
                                       name_keys(data["name"]), strict=True))}  # fmt: skip
        # the ids as the store keeps them (16 bytes), also made before the clock starts
        ids = _ID_COLUMNS[tbl]
        data = {k: encode_id(v) if k in ids else v for k, v in data.items()}
        cols.setdefault(tbl, list(data))
        by_tbl.setdefault(tbl, []).append((encode_id(row_id), *data.values()))
    raw = min(_raw_sqlite(tmp / f"raw{i}.db", by_tbl, cols) for i in range(RAW_RUNS))
    bare = min(_raw_sqlite(tmp / f"bare{i}.db", by_tbl, cols, bare=True) for i in range(RAW_RUNS))
    n = len(records)
    load = os.getloadavg()
    print(f"pull  {n_persons} persons + {n_visits} visits ({n:,} rows, {clock.pages} pages);"
          f" load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    print("  (i) the laptop's store write of the pulled rows vs a raw executemany of the"
          " same rows (issue 14's ratio):")  # fmt: skip
    print(f"      store write (apply of the pages, bulk-load end included): wall"
          f" {clock.wall:.2f} s, CPU {clock.cpu:.2f} s; of it the bulk-load end: wall"
          f" {clock.finish_wall:.2f} s, CPU {clock.finish_cpu:.2f} s")  # fmt: skip
    print(f"      raw executemany into bare tables (primary key only): wall {bare[0]:.2f} s,"
          f" CPU {bare[1]:.2f} s (faster of {RAW_RUNS})")  # fmt: skip
    print(f"      raw executemany into the store's schema (indexes, triggers): wall"
          f" {raw[0]:.2f} s, CPU {raw[1]:.2f} s (faster of {RAW_RUNS})")  # fmt: skip
    print(f"      ratio store write / bare (rows/s over rows/s): wall"
          f" {bare[0] / clock.wall:.2f}, CPU {bare[1] / clock.cpu:.2f}")  # fmt: skip
    print(f"      the same pages written again alone into a new store (as the raw baselines"
          f" run): wall {alone.wall:.2f} s, CPU {alone.cpu:.2f} s; of it the bulk-load end:"
          f" wall {alone.finish_wall:.2f} s, CPU {alone.finish_cpu:.2f} s")  # fmt: skip
    print(f"      ratio store write alone / bare (target >= 0.5): wall"
          f" {bare[0] / alone.wall:.2f}, CPU {bare[1] / alone.cpu:.2f}")  # fmt: skip
    print(f"      ratio store write / store schema: wall {raw[0] / clock.wall:.2f},"
          f" CPU {raw[1] / clock.cpu:.2f}")  # fmt: skip
    print("  (ii) end to end (HTTP, HQ's pages, parsing, preparing and writing):")
    print(f"      wall {pull_s:.2f} s ({n / pull_s:,.0f} rows/s); CPU: laptop {cpu:.2f} s"
          f" (all its threads) + fieldkit serve {server_cpu:.2f} s"
          " (PostgreSQL not counted)")  # fmt: skip
    print(f"      ratio end to end / bare: wall {bare[0] / pull_s:.2f}, CPU"
          f" {bare[1] / (cpu + server_cpu):.2f} (both sides), laptop CPU alone"
          f" {bare[1] / cpu:.2f}")  # fmt: skip


class DeviceLoad:
    """D devices, each enrolled for its own site, pushing at once through a bounded
    number of connections (asyncio + httpx) against ``fieldkit serve --workers W`` on
    a fresh PostgreSQL schema; PostgreSQL's wait events sampled meanwhile."""

    def __init__(self, url: str, engine: Any, devices: int, workers: int, args: Any) -> None:
        self.url, self.engine, self.devices, self.workers = url, engine, devices, workers
        self.pushes, self.connections = args.pushes, args.connections
        self.version = sync_schema().version
        self.waits: dict[str, int] = {}
        self.samples = 0

    def codes(self) -> list[tuple[str, str]]:
        """One staff user per device, scoped to a site of its own, and its code."""
        out = []
        with write_begin(self.engine) as conn:
            for i in range(self.devices):
                site = new_id()
                add_user(conn, ROLES, f"dev{i}", "staff", [site])
                out.append((site, create_code(conn, f"dev{i}", timedelta(hours=1))[0]))
        return out

    def batches(self, site: str, device_id: str) -> list[list[dict[str, Any]]]:
        """The device's pushes: new persons and their visits, more visits, then edits of
        the persons (merged field by field with what HQ holds) and more visits."""
        clock = HLC(node=device_id)
        persons = [new_id() for _ in range(5)]
        seq = 0
        out: list[list[dict[str, Any]]] = []

        def change(tbl: str, row_id: str, data: dict[str, Any]) -> dict[str, Any]:
            nonlocal seq
            seq += 1
            return {"seq": seq, "tbl": tbl, "id": row_id, "data": data, "hlc": clock.now(),
                    "seen_rev": 0}  # fmt: skip

        for b in range(self.pushes):
            batch = []
            if b == 0:
                batch += [change("person", p, person_wire(k, site)) for k, p in enumerate(persons)]
            elif b % 2 == 0:
                batch += [change("person", p, {"phone": f"139{b:02d}{k:06d}", "tier": "key"})
                          for k, p in enumerate(persons)]  # fmt: skip
            batch += [
                change("visit", new_id(), visit_wire(b * 20 + k, persons[k % 5], site))
                for k in range(20 - len(batch))
            ]
            out.append(batch)
        return out

    def sample(self, stop: threading.Event) -> None:
        """Count what the busy backends of this database wait on every 50 ms ('idle in
        transaction': a transaction open while the server works in Python)."""
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            while not stop.wait(0.05):
                cur.execute(
                    "SELECT CASE WHEN state = 'active' THEN"
                    " coalesce(wait_event_type || ':' || wait_event, 'running') ELSE state END"
                    " FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state IN ('active', 'idle in transaction')"
                    " AND pid != pg_backend_pid()"
                )
                self.samples += 1
                for (what,) in cur.fetchall():
                    self.waits[what] = self.waits.get(what, 0) + 1
                conn.rollback()  # the statistics views keep one snapshot per transaction
        finally:
            conn.close()

    async def run(self, base: str) -> dict[str, Any]:
        import asyncio

        limits = httpx.Limits(max_connections=self.connections)
        headers = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_SCHEMA: self.version}
        errors: list[str] = []
        async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers,
                                     timeout=600) as http:  # fmt: skip
            gate = asyncio.Semaphore(self.connections)

            async def enroll(i: int, code_: str) -> tuple[str, str]:
                device_id = f"bench-{i:05d}-{secrets.token_hex(4)}"
                async with gate:
                    body = {"code": code_, "device_id": device_id, "device_name": f"laptop {i}"}
                    reply = await http.post("/v1/enroll", json=body)
                reply.raise_for_status()
                return device_id, reply.json()["token"]

            sites = self.codes()
            started = time.perf_counter()
            enrolled = await asyncio.gather(*(enroll(i, c) for i, (_, c) in enumerate(sites)))
            enroll_s = time.perf_counter() - started
            bodies = [
                [gzip.compress(json.dumps({"changes": b}).encode()) for b in
                 self.batches(site, device_id)]
                for (site, _), (device_id, _) in zip(sites, enrolled, strict=True)
            ]  # fmt: skip
            latencies: list[float] = []

            async def device(token: str, pushes: list[bytes]) -> None:
                auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Content-Encoding": "gzip"}  # fmt: skip
                for body in pushes:
                    async with gate:
                        start = time.perf_counter()
                        try:
                            reply = await http.post("/v1/push", content=body, headers=auth)
                        except httpx.HTTPError as err:
                            errors.append(f"{type(err).__name__}: {err}")
                            return
                        took = time.perf_counter() - start
                    if reply.status_code != 200:
                        errors.append(f"{reply.status_code}: {reply.text[:200]}")
                        return
                    verdicts = reply.json()["verdicts"]
                    if any(v["status"] != "applied" for v in verdicts):
                        errors.append(f"unexpected verdicts {verdicts[:2]}")
                        return
                    latencies.append(took)

            stop = threading.Event()
            sampler = threading.Thread(target=self.sample, args=(stop,))
            sampler.start()
            started = time.perf_counter()
            try:
                tokens = [token for _, token in enrolled]
                await asyncio.gather(*map(device, tokens, bodies))
            finally:
                wall = time.perf_counter() - started
                stop.set()
                sampler.join()
        lat = sorted(latencies)
        return {"lat": lat, "wall": wall, "errors": errors, "enroll_s": enroll_s}


def bench_devices(db_url: str, admin: Any, args: Any) -> None:
    """The device load for each number of workers and devices, each on a fresh schema."""
    import asyncio

    for workers in (int(w) for w in str(args.workers).split(",")):
        for devices in (int(d) for d in str(args.devices).split(",")):
            url, database = fresh_database(db_url, admin)
            engine = make_engine(url)
            try:
                migrate(engine)
                load = DeviceLoad(url, engine, devices, workers, args)
                srv = Server(url, workers=workers)
                try:
                    out = asyncio.run(load.run(srv.url))
                finally:
                    srv.stop()
                with engine.connect() as conn:
                    stored = conn.execute(text("SELECT count(*) FROM sync_record")).scalar()
            finally:
                engine.dispose()
                drop_database(admin, database)
            lat, wall = out["lat"], out["wall"]
            pushes = len(lat)
            p50 = statistics.median(lat) if lat else float("nan")
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
            mx = lat[-1] if lat else float("nan")
            print(
                f"devices {devices} devices x {args.pushes} pushes of 20 changes,"
                f" --workers {workers}, {args.connections} connections:"
                f" p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {mx * 1000:.0f} ms;"
                f" {pushes} pushes in {wall:.1f} s ({pushes / wall:.0f} pushes/s,"
                f" {pushes * 20 / wall:,.0f} changes/s); errors {len(out['errors'])};"
                f" {stored:,} records stored; enrolled in {out['enroll_s']:.1f} s;"
                f" load {os.getloadavg()[0]:.2f}"
            )
            busy = sorted(load.waits.items(), key=lambda kv: -kv[1])[:6]
            print(
                f"      busy backends by wait event ({load.samples} samples):"
                f" {', '.join(f'{k} {v / max(1, load.samples):.1f}' for k, v in busy)}"
            )
            for e in out["errors"][:5]:
                print(f"      error: {e}")


def fresh_schema(db_url: str, admin: Any) -> tuple[str, str]:
    """A new schema and the URL whose connections use it."""
    schema = f"fk_bench_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in db_url else "?"
    return f"{db_url}{sep}options=-csearch_path%3D{schema}", schema


def fresh_database(db_url: str, admin: Any) -> tuple[str, str]:
    """A new database and its URL: its own catalog and advisory locks (the server's
    migration lock is per database), away from other work on the server."""
    database = f"fk_bench_{secrets.token_hex(4)}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    return make_url(db_url).set(database=database).render_as_string(hide_password=False), database


def drop_database(admin: Any, database: str) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE {database} WITH (FORCE)"))


def drop_schema(admin: Any, schema: str) -> None:
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("FIELDKIT_TEST_DATABASE_URL"))
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--pull-visits", type=int, default=200_000)
    parser.add_argument("--devices", default="200,1000", help="device counts, comma-separated")
    parser.add_argument("--workers", default="2,4", help="server workers, comma-separated")
    parser.add_argument("--pushes", type=int, default=3, help="pushes per device")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections at most")
    parser.add_argument("--only", default="push,pull,devices")
    parser.add_argument(
        "--no-keep-reports",
        action="store_true",
        help="serve without the report keeper (to see what it costs pushes)",
    )
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("set FIELDKIT_TEST_DATABASE_URL or pass --database-url (PostgreSQL)")
    admin = create_engine(args.database_url)
    os.environ.setdefault("FIELDKIT_HOME", tempfile.mkdtemp(prefix="fk-bench-home-"))
    only = set(args.only.split(","))
    if args.no_keep_reports:
        SERVE_OPTIONS.append("--no-keep-reports")
    try:
        if only & {"push", "pull"}:
            url, schema = fresh_schema(args.database_url, admin)
            engine = make_engine(url)
            migrate(engine)
            try:
                with tempfile.TemporaryDirectory(prefix="fk-bench-") as tmp:
                    if "push" in only:
                        bench_push(url, engine, Path(tmp), args.visits)
                    if "pull" in only:
                        bench_pull(url, engine, Path(tmp), args.persons, args.pull_visits)
            finally:
                engine.dispose()
                drop_schema(admin, schema)
        if "devices" in only:
            bench_devices(args.database_url, admin, args)
    finally:
        admin.dispose()


if __name__ == "__main__":
    main()
