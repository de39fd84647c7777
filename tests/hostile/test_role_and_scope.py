"""Scope and role hold for every way in: conflicts, child rows, hidden fields.

Real laptops against a real ``fieldkit serve`` on SQLite and PostgreSQL:

- a volunteer's ``/v1/conflicts`` never carries a field its role may not see
  (neither side's value), and its store keeps no such conflict, while staff see
  both conflicts;
- a new visit naming one's own site for a person of another site is rejected
  (a child's scope is its parent's), for staff and for a volunteer (with money
  too), and nothing of it reaches HQ;
- a role that may not read a field may not write it: a volunteer's new person
  with health notes, its edit of an ID number, its visit with money, are each
  rejected naming the field; blanks there (what its laptop holds) pass.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldkit.domain.ids import encode_id
from fieldkit.domain.models import Person
from fieldkit.store.replica import open_conflicts
from tests.hostile.hostile_kit import Hq, Laptop, add_person, add_site, add_visit, hq_engine
from tests.support.hq_records import hq_record


def _at_hq(hq: Hq, tbl: str, row_id: str) -> dict[str, object] | None:
    engine = hq_engine(hq)
    try:
        rec = hq_record(engine, tbl, row_id)
    finally:
        engine.dispose()
    return None if rec is None else rec.data


@pytest.fixture(scope="module")
def county(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two sites, a person at each with health notes and an ID number, synced to HQ."""
    tmp = tmp_path_factory.mktemp("county")
    admin = Laptop(hq, tmp, "admin")
    east, west = add_site(admin.store, "东山"), add_site(admin.store, "西岭")
    here = add_person(
        admin.store, east, "RS-1", health="高血压", id_number="510101194003010011", family="独居"
    )
    there = add_person(admin.store, west, "RS-2", health="糖尿病")
    admin.sync()
    return {"east": east, "west": west, "here": here, "there": there}


def _set(laptop: Laptop, person: str, **values: object) -> None:
    with laptop.store.write() as s:
        row = s.get(Person, person)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def test_a_volunteers_conflicts_never_carry_hidden_fields(
    hq: Hq, tmp_path: Path, county: dict[str, str]
) -> None:
    a = Laptop(hq, tmp_path, "staff", [county["east"]])
    b = Laptop(hq, tmp_path, "staff", [county["east"]])
    a.sync()
    b.sync()
    _set(a, county["here"], health="心脏病史甲", phone="13800000001")
    _set(b, county["here"], health="心脏病史乙", phone="13900000002")
    a.sync()
    b.sync()
    staff_seen = {
        (c["row_id"], c["field"]) for c in a.get(hq.url, "/v1/conflicts").json()["conflicts"]
    }
    assert {(county["here"], "health"), (county["here"], "phone")} <= staff_seen

    vol = Laptop(hq, tmp_path, "volunteer", [county["east"]])
    vol.sync()
    reply = vol.get(hq.url, "/v1/conflicts")
    fields = {(c["row_id"], c["field"]) for c in reply.json()["conflicts"]}
    assert (county["here"], "phone") in fields
    assert all(field not in {"health", "id_number", "family"} for _row, field in fields)
    for secret in ("心脏病史甲", "心脏病史乙", "高血压"):
        assert secret not in reply.text
    assert [m.field for m in open_conflicts(vol.store, county["here"])] == ["phone"]
    raw = vol.store.path.read_bytes()
    wal = Path(f"{vol.store.path}-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert "心脏病史".encode() not in raw


def _visit(person: str, site: str, **values: object) -> dict[str, object]:
    return {
        "person_id": person,
        "site_id": site,
        "visited_at": "2026-06-01T09:00:00",
        "money_fen": 0,
        **values,
    }


def test_a_visit_for_a_person_of_another_site_is_rejected(
    hq: Hq, tmp_path: Path, county: dict[str, str]
) -> None:
    # a tampered laptop: its own site named, the person of another site
    staff = Laptop(hq, tmp_path, "staff", [county["east"]])
    sneaky, fair = "visit-sneaky-staff", "visit-fair-staff"
    verdicts = staff.push_raw(
        hq.url,
        ("visit", sneaky, _visit(county["there"], county["east"], needs="打听")),
        ("visit", fair, _visit(county["here"], county["east"], needs="助浴")),
    )
    assert [v["status"] for v in verdicts] == ["rejected", "applied"]
    outside = f"its person {county['there']} is in {county['west']}, outside"
    assert outside in verdicts[0]["reason"]
    assert _at_hq(hq, "visit", sneaky) is None
    assert _at_hq(hq, "visit", fair) is not None

    vol = Laptop(hq, tmp_path, "volunteer", [county["east"]])
    verdicts = vol.push_raw(
        hq.url,
        ("visit", "visit-sneaky-vol", _visit(county["there"], county["east"])),
        ("visit", "visit-sneaky-paid", _visit(county["there"], county["east"], money_fen=50_000)),
    )
    assert [v["status"] for v in verdicts] == ["rejected", "rejected"]
    assert outside in verdicts[0]["reason"]
    assert verdicts[1]["reason"].startswith("visit.money_fen: ")
    assert _at_hq(hq, "visit", "visit-sneaky-vol") is None
    assert _at_hq(hq, "visit", "visit-sneaky-paid") is None


def test_a_role_may_not_write_what_it_may_not_read(
    hq: Hq, tmp_path: Path, county: dict[str, str]
) -> None:
    vol = Laptop(hq, tmp_path, "volunteer", [county["east"]])
    vol.sync()
    nosy = add_person(vol.store, county["east"], "RS-V1", health="听说有病")
    plain = add_person(vol.store, county["east"], "RS-V2", phone="13700000003")
    _set(vol, county["here"], id_number="110101190001010000", address="东山新村2号")
    paid = add_visit(vol.store, county["here"], county["east"], money_fen=20_000)
    unpaid = add_visit(vol.store, county["here"], county["east"], services="读报")
    vol.sync()
    reasons = vol.rejected()
    assert reasons[nosy].startswith("person.health: ")
    assert "may not write it" in reasons[nosy]
    assert reasons[county["here"]].startswith("person.id_number: ")
    assert reasons[paid].startswith("visit.money_fen: ")
    assert set(reasons) == {nosy, county["here"], paid}
    assert _at_hq(hq, "person", nosy) is None
    assert _at_hq(hq, "visit", paid) is None
    stored = _at_hq(hq, "person", county["here"])
    assert stored is not None
    assert (stored["id_number"], stored["address"]) == ("510101194003010011", "")
    new = _at_hq(hq, "person", plain)
    assert new is not None
    assert (new["health"], new["id_number"], new["family"]) == ("", "", "")
    visit = _at_hq(hq, "visit", unpaid)
    assert visit is not None
    assert (visit["money_fen"], visit["services"]) == (0, "读报")
    # the volunteer's laptop never held the hidden values it tried to replace
    conn = sqlite3.connect(vol.store.path)
    try:
        held = conn.execute(
            "SELECT health FROM person WHERE id = ?", (encode_id(county["here"]),)
        ).fetchone()
    finally:
        conn.close()
    assert held == ("",)
