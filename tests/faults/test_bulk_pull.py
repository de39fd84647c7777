"""A first pull applied as a bulk load, cut anywhere: the laptop ends with HQ's records
and exactly the indexes, triggers and derived data a row-by-row pull builds.

The bulk load (:mod:`fieldkit.store.bulk_load`) drops the store's secondary indexes and
the triggers of its derived tables at the first page and builds them at the last.
Pages here are small, so the bulk load starts at any page size (``MIN_PAGE_ROWS``).
Each cut laptop is compared, table by table and field by field, with a laptop that
pulled the same scope row by row: synced rows, ``visit_summary``, the search index and
search keys, the schema's indexes and triggers, the due list and roster searches.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from fieldkit.domain.models import SYNCED_TABLES, Visit
from fieldkit.domain.vocab import VisitReason
from fieldkit.store import Store, bulk_load
from fieldkit.store.due_list import due_list, rebuild_visit_summary
from fieldkit.store.replica import StoreReplica
from fieldkit.store.roster import RosterFilter, search_roster
from sync.client import Unreachable, pull_all
from tests.faults.proxy import PASS, FaultProxy, Script, cut_response, delay
from tests.support.hq_process import Hq
from tests.support.laptop_kit import Laptop, integrity, scope_mismatches

PULL = "GET /v1/pull"
SITE = "整批站点"
PAGE = 40
ON = date(2026, 12, 3)


@dataclass
class County:
    """What the admin laptop pushed: one site, its persons and visits."""

    site: str
    persons: list[str]


@pytest.fixture(scope="module")
def county(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """A site with 90 persons, a festival visit each, hospital visits with follow-ups
    for a third of them and one visit deleted."""
    lap = Laptop.enrolled(hq, tmp_path_factory.mktemp("admin") / "admin.db", "整批管理员", hq.url)
    try:
        site = lap.add_site(SITE)
        persons = lap.add_persons(site, "ZP", 90)
        festival = lap.add_visits(persons, site)
        with lap.store.write() as s:
            for i, pid in enumerate(persons[::3]):
                s.add(
                    Visit(
                        person_id=pid,
                        site_id=site,
                        reason=VisitReason.HOSPITAL,
                        visited_at=datetime(2026, 11, 1 + i % 20, 9, 30),
                        visitors="李强",
                        services="送药",
                        follow_up="复查血压" if i % 2 else "",
                        follow_up_due=date(2026, 12, 1 + i % 20) if i % 2 else None,
                    )
                )
            gone = s.get(Visit, festival[5])
            assert gone is not None
            gone.deleted = True
        report = lap.sync()
        assert report.ok, report.error
        yield County(site, persons)
    finally:
        lap.close()


@pytest.fixture(scope="module")
def reference(hq: Hq, county: County, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A laptop that pulled the scope row by row (no bulk load), page by page."""
    path = tmp_path_factory.mktemp("ref") / "ref.db"
    lap = Laptop.enrolled(hq, path, "整批参照", hq.url, role="staff", sites=SITE)
    try:
        saved = bulk_load.MIN_PAGE_ROWS
        bulk_load.MIN_PAGE_ROWS = 10**9
        try:
            with lap.client(hq.url) as client:
                pull_all(client, StoreReplica(lap.store), page_limit=PAGE)
        finally:
            bulk_load.MIN_PAGE_ROWS = saved
        assert _meta(path, bulk_load.BULK_LOAD_KEY) is None
        assert scope_mismatches(hq, lap) == []
        yield path
    finally:
        lap.close()


@pytest.fixture
def bulk_any_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first pull is a bulk load whatever its page size."""
    monkeypatch.setattr(bulk_load, "MIN_PAGE_ROWS", 1)


def _meta(path: Path, key: str) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM local_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def _schema(path: Path) -> set[tuple[str, str, str]]:
    """Every index and trigger of the file, with its SQL."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master"
            " WHERE type IN ('index', 'trigger')"
        ).fetchall()
    finally:
        conn.close()
    return {(str(a), str(b), str(c)) for a, b, c in rows}


_DERIVED = {
    "visit_summary": "SELECT * FROM visit_summary",
    "person_fts": "SELECT p.id, t.term, t.col, t.offset FROM person_fts_terms t"
    " JOIN person p ON p.rowid = t.doc",
    "person_search_key": "SELECT k.key, k.sort, p.id FROM person_search_key k"
    " JOIN person p ON p.rowid = k.person",
}


def _contents(path: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Every synced table's rows (every column) and every derived table's rows."""
    conn = sqlite3.connect(path)
    try:
        out = {
            str(m.__tablename__): set(conn.execute(f'SELECT * FROM "{m.__tablename__}"'))
            for m in SYNCED_TABLES
        }
        out.update({name: set(conn.execute(sql)) for name, sql in _DERIVED.items()})
    finally:
        conn.close()
    return out


def _recomputed_summary(path: Path, tmp: Path) -> set[tuple[Any, ...]]:
    """``visit_summary`` of a copy of the file, rebuilt from its visits."""
    copy = tmp / "recompute.db"
    shutil.copy(path, copy)
    engine = create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        rebuild_visit_summary(conn)
    engine.dispose()
    conn2 = sqlite3.connect(copy)
    try:
        return set(conn2.execute("SELECT * FROM visit_summary"))
    finally:
        conn2.close()


def _assert_same_as_reference(path: Path, reference: Path, county: County, tmp: Path) -> None:
    assert _meta(path, bulk_load.BULK_LOAD_KEY) is None
    assert integrity(path) == "ok"
    assert _schema(path) == _schema(reference)
    mine, theirs = _contents(path), _contents(reference)
    for name in theirs:
        assert mine[name] == theirs[name], name
    assert mine["visit_summary"] == _recomputed_summary(path, tmp)
    store, ref = Store(path), Store(reference)
    try:
        assert list(due_list(store, on=ON).tasks) == list(due_list(ref, on=ON).tasks)
        assert due_list(store, on=ON).total > 0
        for text in ("li", "李ZP1", "ZP-0042"):
            found = [r.id for r in search_roster(store, RosterFilter(text=text)).rows]
            assert found == [r.id for r in search_roster(ref, RosterFilter(text=text)).rows]
        found = [r.id for r in search_roster(store, RosterFilter(text="li")).rows]
        assert county.persons[0] in found
        assert [r.id for r in search_roster(store, RosterFilter(text="ZP-0042")).rows] == [
            county.persons[42]
        ]
    finally:
        store.close()
        ref.close()


def test_a_bulk_first_pull_builds_what_a_row_by_row_pull_builds(
    hq: Hq, county: County, reference: Path, tmp_path: Path, bulk_any_page: None
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "a.db", "整批甲", hq.url, role="staff", sites=SITE)
    try:
        seen: list[set[tuple[str, str, str]]] = []
        with lap.client(hq.url) as client:
            pull_all(
                client,
                StoreReplica(lap.store),
                page_limit=PAGE,
                on_progress=lambda _: seen.append(_schema(lap.path)),
            )
        # between the first and the last page the store had no secondary index
        assert not any(name == "ix_visit_person_time" for _, name, _ in seen[0])
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()
    _assert_same_as_reference(tmp_path / "a.db", reference, county, tmp_path)


def test_a_bulk_pull_cut_mid_way_is_finished_when_the_store_opens_then_resumes(
    hq: Hq, county: County, reference: Path, tmp_path: Path, bulk_any_page: None
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "b.db", "整批乙", hq.url, role="staff", sites=SITE)
    try:
        with FaultProxy(hq.port) as proxy:
            proxy.policy = Script({PULL: [PASS, PASS, *[cut_response(0.5)] * 6]})
            with lap.client(proxy.url) as client, pytest.raises(Unreachable):
                pull_all(client, StoreReplica(lap.store), page_limit=PAGE)
        lap.close()
        # cut after two pages: a committed store in the middle of a bulk load
        assert _meta(lap.path, bulk_load.BULK_LOAD_KEY) is not None
        assert not any(name == "ix_visit_person_time" for _, name, _ in _schema(lap.path))
        assert integrity(lap.path, pull_done=False) == "ok"
        # opening the store builds everything before anything reads it
        lap.store = Store(lap.path)
        assert _meta(lap.path, bulk_load.BULK_LOAD_KEY) is None
        assert _schema(lap.path) == _schema(reference)
        conn = sqlite3.connect(lap.path)
        held = set(conn.execute("SELECT * FROM visit_summary"))
        conn.close()
        assert held == _recomputed_summary(lap.path, tmp_path)
        # the next pull resumes at the cursor, row by row (the store is no longer empty)
        with lap.client(hq.url) as client:
            pull_all(client, StoreReplica(lap.store), page_limit=PAGE)
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()
    _assert_same_as_reference(tmp_path / "b.db", reference, county, tmp_path)


def test_a_bulk_pull_cut_then_resumed_in_the_same_process_finishes_at_the_last_page(
    hq: Hq, county: County, reference: Path, tmp_path: Path, bulk_any_page: None
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "c.db", "整批丙", hq.url, role="staff", sites=SITE)
    try:
        with FaultProxy(hq.port) as proxy:
            proxy.policy = Script({PULL: [PASS, *[cut_response(0.3)] * 6]})
            replica = StoreReplica(lap.store)
            with lap.client(proxy.url) as client, pytest.raises(Unreachable):
                pull_all(client, replica, page_limit=PAGE)
            assert _meta(lap.path, bulk_load.BULK_LOAD_KEY) is not None
            with lap.client(hq.url) as client:
                pull_all(client, replica, page_limit=PAGE)
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()
    _assert_same_as_reference(tmp_path / "c.db", reference, county, tmp_path)


_PULLER = """
import sys
from fieldkit.store import Store, bulk_load
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, pull_all

bulk_load.MIN_PAGE_ROWS = 1
store = Store(sys.argv[1])
token = store.meta("device_token")
print("pulling", flush=True)
with SyncClient(sys.argv[2], token, schema_version=sync_schema().version) as client:
    pull_all(
        client,
        StoreReplica(store),
        page_limit=int(sys.argv[3]),
        on_progress=lambda _: print("progress", flush=True),
    )
"""


def test_a_bulk_pull_killed_mid_way_resumes_to_hq_records_and_whole_derived_data(
    hq: Hq, county: County, reference: Path, tmp_path: Path
) -> None:
    """SIGKILL of the pulling process after its second page: the file is consistent,
    opening it builds the indexes and derived data, and the next pull completes it."""
    lap = Laptop.enrolled(hq, tmp_path / "k.db", "整批丁", hq.url, role="staff", sites=SITE)
    lap.close()  # the killed process owns the file from here
    with FaultProxy(hq.port, policy=lambda req: delay(0.2)) as proxy:
        proc = subprocess.Popen(
            [sys.executable, "-c", _PULLER, str(lap.path), proxy.url, str(PAGE)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "pulling"
        for _ in range(2):  # two pages applied, the third in flight behind the delay
            assert proc.stdout.readline().strip() == "progress"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
    assert _meta(lap.path, bulk_load.BULK_LOAD_KEY) is not None
    assert integrity(lap.path, pull_done=False) == "ok"
    lap.store = Store(lap.path)
    try:
        assert _meta(lap.path, bulk_load.BULK_LOAD_KEY) is None
        report = lap.sync()
        assert report.ok, report.error
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()
    _assert_same_as_reference(tmp_path / "k.db", reference, county, tmp_path)


def test_a_bulk_load_leaves_the_report_versions_to_its_end_and_invalidates_kept_figures(
    tmp_path: Path,
) -> None:
    """The versions' triggers are off during the load (one upsert per pulled row saved);
    its end raises the version of every person the report kept figures for, so no kept
    row made before the load still counts, and the triggers raise versions again."""
    from fieldkit.reports.kept import KEPT_COLUMNS

    store = Store(tmp_path / "v.db")
    try:
        kept, other = "01900000-0000-7000-8000-00000000a001", "01900000-0000-7000-8000-00000000a002"
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # visits of persons not here
            conn.commit()
            conn.begin()
            conn.exec_driver_sql(
                f"INSERT INTO report_replay ({', '.join(KEPT_COLUMNS)})"
                f" VALUES ({', '.join('?' * len(KEPT_COLUMNS))})",
                tuple(
                    {"quarter": "2026Q4", "policy": "p", "person_id": kept}.get(c, 0)
                    for c in KEPT_COLUMNS
                ),
            )
            bulk_load.begin(conn)
            names = [
                n
                for (n,) in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                )
            ]
            assert not [n for n in names if n.startswith("report_version_")]
            for pid in (kept, other):
                conn.exec_driver_sql(
                    "INSERT INTO visit (id, person_id, site_id, reason, visited_at, visitors,"
                    " people_present, confirmation, needs, services, money_fen, goods,"
                    " follow_up, notes, deleted) VALUES (?, ?, 's', 'routine',"
                    " '2026-11-01 09:00:00.000000', '', '', 'none', '', '', 0, '', '', '', 0)",
                    ("v" + pid, pid),
                )
            assert conn.exec_driver_sql("SELECT * FROM report_person_version").all() == []
            bulk_load.finish(conn)
            assert conn.exec_driver_sql("SELECT * FROM report_person_version").all() == [(kept, 1)]
            conn.exec_driver_sql("UPDATE visit SET notes = 'x' WHERE person_id = ?", (other,))
            rows = conn.exec_driver_sql("SELECT person_id, version FROM report_person_version")
            versions = {str(pid): int(version) for pid, version in rows}
            conn.rollback()
        assert versions == {kept: 1, other: 1}
    finally:
        store.close()
