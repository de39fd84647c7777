"""Peer comparison: fieldkit's sync against PouchDB replication, same records, same run.

    FIELDKIT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python tests/benchmarks/bench_peer.py [--quick] [--runs N] \\
        [--visits 100000] [--persons 20000] [--pull-visits 200000] \\
        [--pouch-batch-size N] [--only push,pull]

The records are ``bench_sync.py``'s (its generators and HQ seeding, imported), and
each figure runs both ways back to back:

1. push: N visits from a laptop to HQ. fieldkit: the outbox of a laptop store,
   pushed as ``fieldkit sync`` pushes it, to a real ``fieldkit serve`` on a fresh
   PostgreSQL schema. PouchDB: the same visits as documents in a local PouchDB,
   ``replicate.to`` an express-pouchdb server (the server inside pouchdb-server).
2. initial pull: a scope of P persons and V visits (and their site) into a new
   laptop. fieldkit: ``sync_now`` into a new store file. PouchDB: ``replicate.from``
   into a new local PouchDB.

Both PouchDB sides use the LevelDB adapter and run in node
(``tests/benchmarks/peer_pouchdb``, installed with ``npm ci`` when missing). A
PouchDB document is ``{"_id": id, "type": table}`` plus the fields of fieldkit's
wire row. PouchDB's server runs in its lightest mode (no authentication) and holds
only the pulled scope, so nothing here handicaps it.

Per figure it prints fieldkit, PouchDB, the ratio fieldkit/PouchDB (below 1 is
fieldkit ahead) and the target: elapsed time, bytes on the wire (HTTP headers and
bodies both ways: counted at fieldkit's client sockets and at PouchDB's server
sockets), and the laptop store's size after the pull (fieldkit: the SQLite file
after a checkpoint; PouchDB: its LevelDB folder), with where fieldkit's bytes go
(SQLite's ``dbstat``). With ``--runs N`` every figure is the median of N runs,
each on a fresh schema and fresh folders.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpcore
import httpx
from sqlalchemy import create_engine, text

from fieldkit.domain.ids import new_id
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import enroll, sync_now
from sync.client import SyncClient, push_all
from sync.server.db import make_engine, migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*
from tests.benchmarks.bench_sync import Server, code, fill_outbox, seed_hq

PEER_DIR = Path(__file__).resolve().parent / "peer_pouchdb"
QUICK = {"visits": 10_000, "persons": 2_000, "pull_visits": 20_000}


# --- bytes on the wire: fieldkit's client sockets --------------------------------


class WireMeter:
    """Bytes sent and received on the sockets of the transports it makes."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self._lock = threading.Lock()  # the sync client reads ahead on a second thread

    def add(self, sent: int = 0, received: int = 0) -> None:
        """Count bytes that went through one socket."""
        with self._lock:
            self.sent += sent
            self.received += received

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport whose connections count their bytes here."""
        return _MeteredTransport(self)


class _MeteredStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, meter: WireMeter) -> None:
        self._inner = inner
        self._meter = meter

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, timeout)
        self._meter.add(received=len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)
        self._meter.add(sent=len(buffer))

    def close(self) -> None:
        self._inner.close()

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _MeteredBackend(httpcore.NetworkBackend):
    def __init__(self, meter: WireMeter) -> None:
        self._inner = httpcore.SyncBackend()
        self._meter = meter

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _MeteredStream(stream, self._meter)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _ResponseBody(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        self._response.close()


class _MeteredTransport(httpx.BaseTransport):
    """httpx's own HTTP/1.1 transport, over a connection pool whose sockets count bytes."""

    def __init__(self, meter: WireMeter) -> None:
        self._pool = httpcore.ConnectionPool(network_backend=_MeteredBackend(meter))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        reply = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=reply.status,
            headers=reply.headers,
            stream=_ResponseBody(reply),
            extensions=reply.extensions,
        )

    def close(self) -> None:
        self._pool.close()


# --- one figure, measured ---------------------------------------------------------


@dataclass
class Sync:
    """One replication: how long it took and the bytes both ways."""

    seconds: float
    sent: int
    received: int

    @property
    def wire(self) -> int:
        """Bytes on the wire, both ways."""
        return self.sent + self.received


@dataclass
class Part:
    """One table, index or kind of file in a store."""

    name: str
    table: str  # the table an index or FTS shadow table belongs to ("" for files)
    kind: str  # "table", "index", "internal", or "files"
    bytes: int
    payload: int  # bytes of records in its pages (the rest is headers and free space)


@dataclass
class StoreSize:
    """A laptop store on disk after the pull."""

    bytes: int
    parts: list[Part]  # largest first


def pouch_doc(tbl: str, row_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The PouchDB document of one fieldkit wire row."""
    return {"_id": row_id, "type": tbl, **data}


def write_docs(path: Path, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
    """JSON Lines of PouchDB documents, the driver's input."""
    with path.open("w", encoding="utf-8") as out:
        for tbl, row_id, data in rows:
            out.write(json.dumps(pouch_doc(tbl, row_id, data), ensure_ascii=False) + "\n")


def fieldkit_push(db_url: str, engine: Any, tmp: Path, n: int, docs: Path) -> Sync:
    """Push ``n`` visits from a laptop's outbox; writes the same visits to ``docs``."""
    srv = Server(db_url, workers=1)
    try:
        store = Store(tmp / "fk-push.db")
        enroll(store, srv.url, code(engine, "peer-push", "admin", None))
        fill_outbox(store, new_id(), n)
        with sqlite3.connect(store.path) as conn:
            outbox = conn.execute("SELECT tbl, row_id, data FROM outbox ORDER BY seq").fetchall()
        write_docs(docs, ((tbl, row_id, json.loads(data)) for tbl, row_id, data in outbox))
        meter = WireMeter()
        client = SyncClient(
            srv.url,
            store.meta("device_token"),
            schema_version=sync_schema().version,
            transport=meter.transport(),
        )
        with client:
            start = time.perf_counter()
            pushed = push_all(client, StoreReplica(store)).applied
            took = time.perf_counter() - start
    finally:
        srv.stop()
    store.close()
    if pushed != n:
        raise SystemExit(f"fieldkit pushed {pushed} of {n} visits")
    return Sync(took, meter.sent, meter.received)


def fieldkit_pull(
    db_url: str, engine: Any, tmp: Path, n_persons: int, n_visits: int, docs: Path
) -> tuple[Sync, Path]:
    """Initial pull of a new scope into a new store; writes the same records to ``docs``."""
    site = new_id()
    records = seed_hq(engine, site, n_persons, n_visits)
    write_docs(docs, records)
    path = tmp / "fk-pull.db"
    srv = Server(db_url, workers=1)
    try:
        store = Store(path)
        enroll(store, srv.url, code(engine, "peer-pull", "staff", [site]))
        meter = WireMeter()
        start = time.perf_counter()
        report = sync_now(store, transport=meter.transport())
        took = time.perf_counter() - start
        store.close()
    finally:
        srv.stop()
    if not report.ok or report.pulled != len(records):
        raise SystemExit(f"fieldkit pulled {report.pulled} of {len(records)}: {report.error}")
    return Sync(took, meter.sent, meter.received), path


def pouchdb(figure: str, docs: Path, work: Path, batch_size: int | None) -> dict[str, Any]:
    """One PouchDB replication by the node driver: its JSON report (see driver.js)."""
    cmd = ["node", str(PEER_DIR / "driver.js"), figure, "--records", str(docs)]
    cmd += ["--work", str(work)]
    if batch_size:
        cmd += ["--batch-size", str(batch_size)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout  # errors show
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def pouch_sync(report: dict[str, Any]) -> Sync:
    """The time and bytes of a PouchDB replication (bytes counted at its server)."""
    return Sync(report["seconds"], report["bytes_to_server"], report["bytes_from_server"])


# --- store sizes --------------------------------------------------------------------


def sqlite_size(path: Path) -> StoreSize:
    """The store file after a checkpoint, and what each table and index holds."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        owners = {
            name: (kind, tbl)
            for kind, name, tbl in conn.execute("SELECT type, name, tbl_name FROM sqlite_schema")
        }
        try:
            used = conn.execute(
                "SELECT name, SUM(pgsize), SUM(payload) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # SQLite built without the dbstat table
            used = []
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    finally:
        conn.close()
    parts = []
    for name, size, payload in used:
        kind, table = owners.get(name, ("internal", name))
        if name.endswith(("_fts_data", "_fts_idx", "_fts_content", "_fts_docsize", "_fts_config")):
            kind, table = "index", name[: name.index("_fts_") + 4]  # FTS5 shadow tables
        parts.append(Part(name, table, kind, size, payload))
    if free:
        parts.append(Part("(free pages)", "", "internal", free, 0))
    return StoreSize(pages * page_size, parts)


def folder_size(path: Path) -> StoreSize:
    """The bytes of every file under ``path`` (du --apparent-size), by kind of file."""
    by_kind: dict[str, int] = {}
    for file in path.rglob("*"):
        if file.is_file():
            kind = file.suffix or file.name.split("-")[0]
            by_kind[kind] = by_kind.get(kind, 0) + file.stat().st_size
    parts = [Part(k, "", "files", v, v) for k, v in by_kind.items()]
    return StoreSize(sum(by_kind.values()), sorted(parts, key=lambda p: -p.bytes))


# --- the run ------------------------------------------------------------------------


def install_node_deps() -> None:
    """``npm ci`` in the PouchDB folder when its packages are missing or stale."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SystemExit("the PouchDB side needs node (18 or newer) and npm on PATH")
    marker = PEER_DIR / "node_modules" / ".package-lock.json"
    lock = PEER_DIR / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        print("installing the PouchDB side's packages (npm ci) ...", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


@contextmanager
def hq_database(database_url: str) -> Iterator[tuple[str, Any]]:
    """A fresh, migrated PostgreSQL schema for HQ (dropped afterwards): its URL and engine."""
    schema = f"fk_peer_{secrets.token_hex(4)}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in database_url else "?"
    url = f"{database_url}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass
class Run:
    """Every figure of one run, both sides."""

    push: tuple[Sync, Sync] | None = None
    pull: tuple[Sync, Sync] | None = None
    stores: tuple[StoreSize, StoreSize] | None = None
    pouch_store_after_pull: int = 0  # its LevelDB folder before LevelDB's compaction


def run_once(args: argparse.Namespace, only: set[str]) -> Run:
    """Each figure once, fieldkit then PouchDB, on a fresh schema and fresh folders."""
    run = Run()
    with (
        hq_database(args.database_url) as (url, engine),
        tempfile.TemporaryDirectory(prefix="fk-peer-") as tmp_name,
    ):
        tmp = Path(tmp_name)
        if "push" in only:
            fk = fieldkit_push(url, engine, tmp, args.visits, tmp / "push.jsonl")
            pouch = pouchdb("push", tmp / "push.jsonl", tmp / "pouch-push", args.pouch_batch)
            run.push = (fk, pouch_sync(pouch))
        if "pull" in only:
            fk, fk_store = fieldkit_pull(
                url, engine, tmp, args.persons, args.pull_visits, tmp / "pull.jsonl"
            )
            pouch = pouchdb("pull", tmp / "pull.jsonl", tmp / "pouch-pull", args.pouch_batch)
            run.pull = (fk, pouch_sync(pouch))
            run.stores = (sqlite_size(fk_store), folder_size(Path(pouch["store"])))
            run.pouch_store_after_pull = pouch["store_bytes_after_pull"]
    return run


# --- printing -------------------------------------------------------------------------


def mb(n: float) -> str:
    """Bytes as megabytes (10^6)."""
    return f"{n / 1e6:,.1f} MB"


def row(label: str, fk: float, pouch: float, unit: str, target: str) -> str:
    """One line of the table: both sides, the ratio fieldkit/PouchDB, the target."""
    show = (lambda v: f"{v:.2f} s") if unit == "s" else mb
    ratio = fk / pouch
    note = f" ({1 / ratio:.1f}x {'faster' if unit == 's' else 'less'})" if ratio < 1 else ""
    return f"{label:<40} {show(fk):>11} {show(pouch):>11}   {ratio:5.2f}{note:<15} {target}"


def median_sync(syncs: list[Sync]) -> Sync:
    """Each measure's median over the runs."""
    return Sync(
        statistics.median(s.seconds for s in syncs),
        int(statistics.median(s.sent for s in syncs)),
        int(statistics.median(s.received for s in syncs)),
    )


def print_pair(label: str, pairs: list[tuple[Sync, Sync]]) -> None:
    """Time and bytes of one figure, median over the runs."""
    fk = median_sync([p[0] for p in pairs])
    pouch = median_sync([p[1] for p in pairs])
    print(row(f"{label}: time", fk.seconds, pouch.seconds, "s", "<= 1 (not slower)"))
    print(row("  bytes on the wire", fk.wire, pouch.wire, "B", "<= 1 (no more bytes)"))
    print(f"  {'(to HQ + from HQ)':<38} {mb(fk.sent)} + {mb(fk.received)}; "
          f"PouchDB {mb(pouch.sent)} + {mb(pouch.received)}")  # fmt: skip
    if len(pairs) > 1:
        runs = ", ".join(f"{a.seconds:.2f}/{b.seconds:.2f}" for a, b in pairs)
        paired = statistics.median(a.seconds / b.seconds for a, b in pairs)
        print(f"  {'(each run, fieldkit/PouchDB s)':<38} {runs}; "
              f"median of the runs' ratios {paired:.2f}")  # fmt: skip


def print_stores(runs: list[Run]) -> None:
    """The stores' sizes (median over the runs) and where the bytes go."""
    stores = [r.stores for r in runs if r.stores]
    fk = statistics.median(s[0].bytes for s in stores)
    pouch = statistics.median(s[1].bytes for s in stores)
    print(row("laptop store after the pull", fk, pouch, "B", "<= 1 (no larger)"))
    left = statistics.median(r.pouch_store_after_pull for r in runs if r.stores)
    print(f"  {'(PouchDB: LevelDB compacted;':<38} as the pull left it {mb(left)}, "
          f"ratio {fk / left:.2f})")  # fmt: skip
    fk_store, pouch_store = stores[-1]
    print(f"\nfieldkit store: SQLite file after a checkpoint (page_count x page_size) "
          f"{mb(fk_store.bytes)}; by table (rows + indexes; FTS shadow tables count "
          "as index):")  # fmt: skip
    by_table: dict[str, list[int]] = {}
    for part in fk_store.parts:
        sizes = by_table.setdefault(part.table or part.name, [0, 0])
        sizes[part.kind == "index"] += part.bytes
    for table, (rows, indexes) in sorted(by_table.items(), key=lambda t: -sum(t[1])):
        if rows + indexes >= fk_store.bytes / 200:
            print(f"  {table:<28} {mb(rows):>9} + {mb(indexes):>9} = {mb(rows + indexes):>9} "
                  f"{(rows + indexes) / fk_store.bytes:6.1%}")  # fmt: skip
    print("  each table and index of at least 0.5% (filled: record bytes / page bytes):")
    for part in fk_store.parts:
        if part.bytes >= fk_store.bytes / 200:
            filled = f"filled {part.payload / part.bytes:4.0%}" if part.payload else ""
            print(f"  {part.name:<28} {part.kind:<6} {part.table:<14} {mb(part.bytes):>9} "
                  f"{part.bytes / fk_store.bytes:6.1%}  {filled}")  # fmt: skip
    files = ", ".join(f"{p.name} {mb(p.bytes)}" for p in pouch_store.parts if p.bytes > 1e5)
    print(f"PouchDB store: LevelDB folder {mb(pouch_store.bytes)} ({files})")


def loadavg() -> str:
    """The machine's load (1, 5 and 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pouch_versions() -> str:
    """The installed PouchDB and express-pouchdb versions."""
    found = []
    for pkg in ("pouchdb", "express-pouchdb"):
        manifest = PEER_DIR / "node_modules" / pkg / "package.json"
        found.append(f"{pkg} {json.loads(manifest.read_text())['version']}")
    return ", ".join(found)


def parse_args() -> argparse.Namespace:
    """The command line; ``--quick`` shrinks the sizes to a tenth."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("FIELDKIT_TEST_DATABASE_URL"))
    parser.add_argument("--visits", type=int, default=100_000, help="visits pushed")
    parser.add_argument("--persons", type=int, default=20_000, help="persons pulled")
    parser.add_argument("--pull-visits", type=int, default=200_000, help="visits pulled")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--only", default="push,pull")
    parser.add_argument(
        "--pouch-batch-size", dest="pouch_batch", type=int, default=None,
        help="PouchDB's replication batch_size (default: PouchDB's own, 100)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if not args.database_url:
        raise SystemExit("set FIELDKIT_TEST_DATABASE_URL or pass --database-url (PostgreSQL)")
    return args


def main() -> None:
    args = parse_args()
    only = set(args.only.split(","))
    install_node_deps()
    os.environ.setdefault("FIELDKIT_HOME", tempfile.mkdtemp(prefix="fk-peer-home-"))
    print(f"fieldkit vs PouchDB ({pouch_versions()}, LevelDB both sides); "
          f"load {loadavg()}", flush=True)  # fmt: skip
    runs = []
    for i in range(args.runs):
        runs.append(run_once(args, only))
        print(f"run {i + 1}/{args.runs} done; load {loadavg()}", flush=True)
    print(f"\n{'':<40} {'fieldkit':>11} {'PouchDB':>11}   fieldkit/PouchDB     target")
    pushes = [r.push for r in runs if r.push]
    pulls = [r.pull for r in runs if r.pull]
    if pushes:
        print_pair(f"push {args.visits:,} visits", pushes)
    if pulls:
        print_pair(f"initial pull {args.persons:,} persons + {args.pull_visits:,} visits", pulls)
    if any(r.stores for r in runs):
        print_stores(runs)


if __name__ == "__main__":
    main()
