"""Ids that are not canonical UUIDs travel through a real HQ and laptops exactly.

HQ accepts any row id of 1 to 64 characters without a control character
(``sync.protocol.ID_PATTERN``), so another device (an older build, another tool, a
hostile client) can send upper-case, braced, near-UUID or made-up ids. The laptop
store keeps a canonical UUID as its 16 bytes and every other id as text
(``fieldkit.domain.ids``). Here such ids are pushed by one laptop, pulled by two
others (row by row, and as a bulk load in small pages), found, listed, edited and
pushed back: every id stays the very string it was, beside compact UUIDs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from fieldkit.domain.models import Person, Visit
from fieldkit.domain.vocab import Tier, VisitReason
from fieldkit.store import Store, bulk_load
from fieldkit.store.due_list import due_list
from fieldkit.store.replica import StoreReplica
from fieldkit.store.roster import RosterFilter, search_roster
from sync.client import pull_all
from tests.support.hq_process import Hq
from tests.support.laptop_kit import Laptop, hq_records, integrity, local_rows

SITE = "怪号站点"
ON = date(2026, 12, 3)

ODD_PERSONS = {
    "OD-UPPER": "0192F0A1-7C3B-7D4E-8F90-A1B2C3D4E5F6",  # a UUID, upper case
    "OD-BRACED": "{0192f0a1-7c3b-7d4e-8f90-a1b2c3d4e5f7}",
    "OD-NEAR": "0192f0a1-7c3b-7d4e-8f90-a1b2c3d4e5g8",  # 36 characters, one not hex
    "OD-NODASH": "0192f0a17c3b7d4e8f90a1b2c3d4e5f9",
    "OD-MADE": "老人-甲-001",
    "OD-SPACE": "0192f0a1-7c3b-7d4e-8f90 a1b2c3d4e5fa",  # a blank where a dash goes
}
ODD_VISITS = {code: f"visit:{pid}"[:64] for code, pid in ODD_PERSONS.items()}


@dataclass
class Pushed:
    """What the first laptop pushed: its site, and each code's person and visit id."""

    site: str
    persons: dict[str, str]
    visits: dict[str, str]


@pytest.fixture(scope="module")
def pushed(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushed]:
    """An admin laptop adds a site, the odd-id persons and one canonical, a visit each
    (odd ids for the odd persons), and syncs."""
    lap = Laptop.enrolled(hq, tmp_path_factory.mktemp("odd") / "odd.db", "怪号管理员", hq.url)
    try:
        site = lap.add_site(SITE)
        persons = dict(ODD_PERSONS)
        visits: dict[str, str] = {}
        with lap.store.write() as s:
            for code, pid in ODD_PERSONS.items():
                s.add(Person(id=pid, code=code, name=f"怪{code}", site_id=site, tier=Tier.KEY))
            plain = Person(code="OD-PLAIN", name="常号", site_id=site, tier=Tier.KEY)
            s.add(plain)
        persons["OD-PLAIN"] = plain.id
        with lap.store.write() as s:
            for code, pid in persons.items():
                visit = Visit(
                    person_id=pid,
                    site_id=site,
                    reason=VisitReason.ROUTINE,
                    visited_at=datetime(2026, 6, 1, 9, 30),
                    visitors="王芳",
                )
                if code in ODD_VISITS:
                    visit.id = ODD_VISITS[code]
                s.add(visit)
                visits[code] = visit.id
        report = lap.sync()
        assert report.ok, report.error
        yield Pushed(site, persons, visits)
    finally:
        lap.close()


def _stored_types(path: Path, table: str) -> dict[object, str]:
    """A table's stored ids (bytes or text, as SQLite holds them) -> ``typeof(id)``."""
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute(f"SELECT id, typeof(id) FROM {table}").fetchall())
    finally:
        conn.close()


def _check_laptop(path: Path, store: Store, pushed: Pushed) -> None:
    """The laptop holds every id exactly: odd ones as text, UUIDs as 16 bytes."""
    persons = _stored_types(path, "person")
    for code, pid in ODD_PERSONS.items():
        assert persons[pid] == "text", code
    plain = bytes.fromhex(pushed.persons["OD-PLAIN"].replace("-", ""))
    assert persons[plain] == "blob"
    assert local_rows(path, "visit", ("person_id", "site_id")) == {
        pushed.visits[code]: (pid, pushed.site) for code, pid in pushed.persons.items()
    }
    assert integrity(path) == "ok"
    with store.write() as s:
        for code, pid in pushed.persons.items():
            person = s.get(Person, pid)
            assert person is not None
            assert (person.id, person.code) == (pid, code)
    for code, pid in pushed.persons.items():
        assert [r.id for r in search_roster(store, RosterFilter(text=code)).rows] == [pid]
    # key persons last visited in June are overdue for a routine visit on ON
    listed = {task.person_id for task in due_list(store, on=ON).tasks}
    assert set(pushed.persons.values()) <= listed


def test_hq_holds_every_odd_id_as_sent(hq: Hq, pushed: Pushed) -> None:
    records = hq_records(hq.database_url)
    for code, pid in pushed.persons.items():
        assert records[("person", pid)]["code"] == code
        visit = records[("visit", pushed.visits[code])]
        assert (visit["person_id"], visit["site_id"]) == (pid, pushed.site)


def test_a_laptop_pulling_row_by_row_keeps_every_id(hq: Hq, pushed: Pushed, tmp_path: Path) -> None:
    path = tmp_path / "rows.db"
    lap = Laptop.enrolled(hq, path, "怪号逐行", hq.url, role="staff", sites=SITE)
    try:
        report = lap.sync()
        assert report.ok, report.error
        _check_laptop(path, lap.store, pushed)
    finally:
        lap.close()


def test_a_bulk_loaded_first_pull_keeps_every_id(
    hq: Hq, pushed: Pushed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_load, "MIN_PAGE_ROWS", 1)
    path = tmp_path / "bulk.db"
    lap = Laptop.enrolled(hq, path, "怪号整批", hq.url, role="staff", sites=SITE)
    try:
        with lap.client(hq.url) as client:
            pull_all(client, StoreReplica(lap.store), page_limit=3)
        assert lap.store.meta(bulk_load.BULK_LOAD_KEY) is None
        _check_laptop(path, lap.store, pushed)
    finally:
        lap.close()


def test_an_edit_of_an_odd_id_goes_back_to_hq_under_the_same_id(
    hq: Hq, pushed: Pushed, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "edit.db", "怪号编辑", hq.url, role="staff", sites=SITE)
    try:
        assert lap.sync().ok
        phones = {pid: f"1380000{i:04d}" for i, pid in enumerate(ODD_PERSONS.values())}
        for pid, phone in phones.items():
            lap.edit(pid, phone=phone)
        report = lap.sync()
        assert report.ok, report.error
        records = hq_records(hq.database_url)
        assert {pid: records[("person", pid)]["phone"] for pid in phones} == phones
        # no row under another spelling of any id: HQ holds the pushed persons alone
        assert {rid for tbl, rid in records if tbl == "person"} == set(pushed.persons.values())
    finally:
        lap.close()
