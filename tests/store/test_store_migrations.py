"""Migrating an existing store in place: the same records, due list and searches after.

A store is made at revision 0008 (the schema main ships), filled through the ORM
(its triggers keep the derived data), then opened (migrated to the head); another
store is made at the head with the same rows. Both must hold the same records and
derived data and answer the due list and the roster searches the same way.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fieldkit.domain.models import SYNCED_TABLES, Person, Site, Visit
from fieldkit.domain.vocab import Tier, VisitReason
from fieldkit.store import Store
from fieldkit.store.due_list import due_list
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, current_revision
from fieldkit.store.roster import RosterFilter, search_roster
from fieldkit.store.store import StoreSession
from tests.support.store_revisions import store_at

ON = date(2026, 12, 3)
_NAMES = ("张建国", "李秀英", "曾建建", "王桂兰", "赵志强", "刘明")


def _rows() -> list[Any]:
    """A site, persons of every tier and their visits (some with follow-ups, one deleted)."""
    site = Site(id="0193a5c0-0000-7000-8000-000000000001", name="幸福安置点", county="示范县")
    out: list[Any] = [site]
    for i in range(30):
        pid = f"0193a5c0-0000-7000-8000-{i + 100:012d}"
        out.append(
            Person(
                id=pid,
                code=f"GL-{i:04d}",
                name=_NAMES[i % len(_NAMES)] + ("明" if i % 2 else ""),
                site_id=site.id,
                birth_date=date(1940 + i % 10, 1 + i % 12, 1 + i % 28),
                tier=(Tier.KEY, Tier.PERIODIC, Tier.ROUTINE)[i % 3],
                address=f"{i}栋",
            )
        )
        for j, reason in enumerate((VisitReason.FESTIVAL, VisitReason.HOSPITAL)[: 1 + i % 2]):
            out.append(
                Visit(
                    id=f"0193a5c0-0000-7000-9000-{i * 10 + j:012d}",
                    person_id=pid,
                    site_id=site.id,
                    reason=reason,
                    visited_at=datetime(2026, 6 + j * 4, 1 + i % 28, 9, 30),
                    visitors="王芳",
                    follow_up="复查" if i % 4 == 1 else "",
                    follow_up_due=date(2026, 12, 1 + i % 20) if i % 4 == 1 else None,
                    deleted=i == 7,
                )
            )
    return out


def _fill(path: Path) -> None:
    """The rows, written through a store session (which derives the search keys)."""
    engine = make_engine(path)
    try:
        with StoreSession(bind=engine) as s, s.begin():
            s.info["remote"] = True  # the rows only: no outbox
            for row in _rows():
                s.add(row)
                s.flush()
    finally:
        engine.dispose()


def _store_at_0008(path: Path) -> None:
    store_at(path, "0008")


def _contents(path: Path) -> dict[str, set[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        out = {
            str(m.__tablename__): set(conn.execute(f'SELECT * FROM "{m.__tablename__}"'))
            for m in SYNCED_TABLES
        }
        out["visit_summary"] = set(conn.execute("SELECT * FROM visit_summary"))
        out["person_fts"] = set(conn.execute("SELECT * FROM person_fts_terms"))
        out["person_search_key"] = set(conn.execute("SELECT * FROM person_search_key"))
        out["indexes"] = set(
            conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        )
    finally:
        conn.close()
    return out


def test_a_store_of_revision_0008_migrates_in_place_to_the_same_answers(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    _store_at_0008(old)
    assert current_revision(make_engine(old)) == "0008"
    _fill(old)
    Store(new).close()
    _fill(new)

    migrated, fresh = Store(old), Store(new)
    try:
        assert current_revision(migrated.engine) == HEAD
        mine, theirs = _contents(old), _contents(new)
        assert mine == theirs
        assert len(mine["visit"]) == 45
        names = {name for name, _ in mine["indexes"]}
        assert "ix_visit_person_time" in names
        assert not names & {"ix_visit_site_id", "ix_person_site_id"}
        assert list(due_list(migrated, on=ON).tasks) == list(due_list(fresh, on=ON).tasks)
        assert due_list(migrated, on=ON).total > 0
        for text in ("zhang", "zjg", "ceng", "GL-0003", "3栋"):
            got = [r.id for r in search_roster(migrated, RosterFilter(text=text)).rows]
            assert got == [r.id for r in search_roster(fresh, RosterFilter(text=text)).rows]
            assert got, text
    finally:
        migrated.close()
        fresh.close()
