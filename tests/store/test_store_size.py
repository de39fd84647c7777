"""What keeps the laptop store small (docs/BENCHMARKS.md, "Sync against PouchDB").

- times are stored without a fraction of zero (``2026-06-01 09:30:00``), whether a
  form saves them or a pull writes them, and still read back, sort and compare as
  times; store migration 0012 rewrites the values an older store holds;
- a bulk-loaded first pull ends with the file rewritten (``VACUUM``) and its WAL
  truncated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from fieldkit.domain.models import Person, RecordAmendment, Site, Visit
from fieldkit.domain.vocab import AmendAction, Tier, VisitReason
from fieldkit.store import Store, bulk_load
from fieldkit.store.due_list import due_list
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, current_revision
from fieldkit.store.outbox import synced_columns
from fieldkit.store.replica import StoreReplica
from fieldkit.store.store import StoreSession
from fieldkit.store.wire import to_wire
from sync.protocol import PulledRecord, PullPage
from tests.support.store_revisions import store_at
from tests.support.stored_ids import query

SITE = "0193a5c0-0000-7000-8000-0000000000aa"
ON = date(2026, 12, 3)


def _rows(n: int = 12) -> list[Any]:
    """A site, ``n`` persons and two visits each (one with a follow-up; the second
    visit of person 0 at a non-zero fraction of a second, and one visit deleted)."""
    out: list[Any] = [Site(id=SITE, name="紧凑站点", county="示范县")]
    for i in range(n):
        pid = f"0193a5c0-0000-7000-8000-{i + 100:012d}"
        out.append(
            Person(
                id=pid,
                code=f"JC-{i:04d}",
                name=f"张{i}",
                site_id=SITE,
                tier=(Tier.KEY, Tier.PERIODIC, Tier.ROUTINE)[i % 3],
            )
        )
        for j, reason in enumerate((VisitReason.FESTIVAL, VisitReason.HOSPITAL)):
            fraction = 250_000 if (i, j) == (0, 1) else 0
            out.append(
                Visit(
                    id=f"0193a5c0-0000-7000-9000-{i * 10 + j:012d}",
                    person_id=pid,
                    site_id=SITE,
                    reason=reason,
                    visited_at=datetime(2026, 3 + j * 5, 1 + i % 28, 9, 30, 0, fraction),
                    card_scanned_at=datetime(2026, 3, 1 + i % 28, 9, 29) if j == 0 else None,
                    visitors="王芳",
                    follow_up="复查" if j == 1 and i % 2 else "",
                    follow_up_due=date(2026, 12, 1 + i % 28) if j == 1 and i % 2 else None,
                    deleted=i == 5 and j == 1,
                )
            )
    out.append(
        RecordAmendment(
            id="0193a5c0-0000-7000-a000-000000000001",
            site_id=SITE,
            person_id=out[1].id,
            tbl="visit",
            record_id=out[2].id,
            action=AmendAction.CORRECT,
            changes='{"visitors": ["王", "王芳"]}',
            reason="笔误",
            at=datetime(2026, 3, 2, 10, 0),
        )
    )
    return out


def _fill(path: Path) -> None:
    """The rows, through a store session (no outbox)."""
    engine = make_engine(path)
    try:
        with StoreSession(bind=engine) as s, s.begin():
            s.info["remote"] = True
            for row in _rows():
                s.add(row)
                s.flush()
    finally:
        engine.dispose()


def _raw(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the file (ids bound and read as text)."""
    return query(path, sql, *args)


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    """A new store holding :func:`_rows`: its path and the open store."""
    path = tmp_path / "new.db"
    store = Store(path)
    try:
        _fill(path)
        yield path, store
    finally:
        store.close()


def test_a_new_store_stores_times_without_a_zero_fraction(filled: tuple[Path, Store]) -> None:
    path, store = filled
    stored = dict(_raw(path, "SELECT id, visited_at FROM visit"))
    assert stored["0193a5c0-0000-7000-9000-000000000000"] == "2026-03-01 09:30:00"
    assert stored["0193a5c0-0000-7000-9000-000000000001"] == "2026-08-01 09:30:00.250000"
    assert {len(v) for v in stored.values()} == {19, 26}
    scanned = "SELECT DISTINCT length(card_scanned_at) FROM visit WHERE card_scanned_at > ''"
    assert _raw(path, scanned) == [(19,)]
    assert _raw(path, "SELECT at FROM record_amendment") == [("2026-03-02 10:00:00",)]
    # the summary copies the visits' text; text order is time order
    last = "SELECT last_at FROM visit_summary WHERE person_id = ?"
    assert _raw(path, last, "0193a5c0-0000-7000-8000-000000000102") == [("2026-08-03 09:30:00",)]
    by_text = [r[0] for r in _raw(path, "SELECT id FROM visit ORDER BY visited_at, id")]
    with store.read() as s:
        visits = {v.id: (v.visited_at, v.card_scanned_at) for v in s.exec(select(Visit))}
        at = datetime(2026, 3, 1, 9, 30)
        # a bound datetime compares with the stored text as the time does
        equal = [v.id for v in s.exec(select(Visit).where(Visit.visited_at == at))]
        before = len(s.exec(select(Visit).where(Visit.visited_at <= at)).all())
    assert by_text == sorted(visits, key=lambda k: (visits[k][0], k))
    assert visits["0193a5c0-0000-7000-9000-000000000001"] == (
        datetime(2026, 8, 1, 9, 30, 0, 250_000),
        None,
    )
    assert visits["0193a5c0-0000-7000-9000-000000000000"] == (
        datetime(2026, 3, 1, 9, 30),
        datetime(2026, 3, 1, 9, 29),
    )
    assert equal == ["0193a5c0-0000-7000-9000-000000000000"]
    assert before == 1


def _long_form(path: Path) -> None:
    """Rewrite the times as fieldkit stored them up to revision 0011 (``.000000``), the
    derived data following through the store's own triggers."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for table, column in (
                ("visit", "visited_at"),
                ("visit", "card_scanned_at"),
                ("record_amendment", "at"),
            ):
                conn.execute(
                    f"UPDATE {table} SET {column} = {column} || '.000000'"
                    f" WHERE length({column}) = 19"
                )
    finally:
        conn.close()


def _payload(path: Path, name: str) -> int:
    return int(_raw(path, f"SELECT sum(payload) FROM dbstat WHERE name = '{name}'")[0][0])


def test_a_0011_store_upgrades_to_the_same_rows_with_shorter_times(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    store_at(old, "0011")
    _fill(old)
    _long_form(old)
    long_values = dict(_raw(old, "SELECT id, visited_at FROM visit"))
    assert {len(v) for v in long_values.values()} == {26}
    assert _raw(old, "SELECT DISTINCT length(last_at) FROM visit_summary") == [(26,)]
    versions = _raw(old, "SELECT * FROM report_person_version ORDER BY 1")
    index_before = _payload(old, "ix_visit_person_time")
    Store(fresh).close()
    _fill(fresh)

    migrated, reference = Store(old), Store(fresh)
    try:
        assert current_revision(migrated.engine) == HEAD
        for sql in (
            "SELECT * FROM visit ORDER BY id",
            "SELECT * FROM record_amendment ORDER BY id",
            "SELECT * FROM visit_summary ORDER BY person_id",
            "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY name",
        ):
            assert _raw(old, sql) == _raw(fresh, sql), sql
        # the triggers were set aside: the report versions did not move
        assert _raw(old, "SELECT * FROM report_person_version ORDER BY 1") == versions
        # 7 bytes less per visit in the time index (24 visits, one at 09:30:00.25)
        assert index_before - _payload(old, "ix_visit_person_time") == 7 * 23
        with migrated.read() as s:
            mine = {v.id: v.model_dump() for v in s.exec(select(Visit))}
        with reference.read() as s:
            theirs = {v.id: v.model_dump() for v in s.exec(select(Visit))}
        assert mine == theirs
        assert len(mine) == 24
        assert list(due_list(migrated, on=ON).tasks) == list(due_list(reference, on=ON).tasks)
        assert due_list(migrated, on=ON).total > 0
        # and the triggers the rewrite set aside work again
        with migrated.write() as s:
            v = s.get(Visit, "0193a5c0-0000-7000-9000-000000000040")
            assert v is not None
            v.visited_at = datetime(2026, 11, 30, 8, 0)
        assert _raw(
            old,
            "SELECT last_at FROM visit_summary WHERE person_id = ?",
            "0193a5c0-0000-7000-8000-000000000104",
        ) == [("2026-11-30 08:00:00",)]
    finally:
        migrated.close()
        reference.close()


def _page(records: list[Any], n: int, more: bool) -> PullPage:
    return PullPage(
        epoch="e1",
        cursor=f"e1:{n}",
        more=more,
        seen_rev=n,
        role="staff",
        scope=[SITE],
        records=[
            PulledRecord(
                tbl=str(type(r).__tablename__),
                id=r.id,
                rev=n,
                data={c: to_wire(getattr(r, c)) for c in synced_columns(type(r)) if c != "id"},
            )
            for r in records
        ],
    )


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "row-by-row"])
def test_a_pull_stores_short_times_bulk_or_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    monkeypatch.setattr(bulk_load, "MIN_PAGE_ROWS", 1 if bulk else 10**9)
    rows = _rows(40)
    path = tmp_path / "pulled.db"
    store = Store(path)
    try:
        replica = StoreReplica(store)
        half = len(rows) // 2
        replica.apply_page(_page(rows[:half], 1, more=True))
        if bulk:
            assert _raw(path, "SELECT count(*) FROM local_meta WHERE key = 'bulk_load'") == [(1,)]
        replica.apply_page(_page(rows[half:], 2, more=False))
        if bulk:
            assert _raw(path, "SELECT count(*) FROM local_meta WHERE key = 'bulk_load'") == [(0,)]
        stored = dict(_raw(path, "SELECT id, visited_at FROM visit"))
        assert len(stored) == 80
        assert stored["0193a5c0-0000-7000-9000-000000000000"] == "2026-03-01 09:30:00"
        # the wire carries whole seconds
        assert stored["0193a5c0-0000-7000-9000-000000000001"] == "2026-08-01 09:30:00"
        with store.read() as s:
            got = s.connection().execute(text("SELECT count(*) FROM visit_summary")).scalar()
        assert got == 40
        assert _raw(path, "SELECT DISTINCT length(last_at) FROM visit_summary") == [(19,)]
    finally:
        store.close()
