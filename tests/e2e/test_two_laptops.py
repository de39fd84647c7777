"""End to end: a real ``fieldkit serve``, laptops enrolled and synced with the real CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.e2e_data import add_persons, add_site, add_visits, hq_rows, laptop_rows
from tests.support.hq_process import Hq, run_cli

pytestmark = pytest.mark.slow


def _enroll(hq: Hq, db: Path, user: str, process: bool = False) -> None:
    out = run_cli("--db", str(db), "enroll", hq.url, hq.enroll_code(user), process=process)
    assert f"enrolled as {user}" in out


def _sync(db: Path, process: bool = False) -> str:
    return run_cli("--db", str(db), "sync", process=process)


def test_two_laptops_hold_the_union_and_a_volunteer_only_its_scope(hq: Hq, tmp_path: Path) -> None:
    admin_db, l1, l2, vol = (tmp_path / f"{n}.db" for n in ("admin", "l1", "l2", "vol"))
    hq.admin("add-user", "局机关", "--role", "admin", process=True)
    _enroll(hq, admin_db, "局机关", process=True)
    east = add_site(admin_db, "东山安置点")
    west = add_site(admin_db, "西岭村")
    east_people = add_persons(admin_db, east, "DS", 6)
    west_people = add_persons(admin_db, west, "XL", 4)
    assert "sent 12 change(s)" in _sync(admin_db, process=True)

    # HQ now knows the sites by name (they are synced records).
    hq.admin("add-user", "王芳", "--role", "staff", "--sites", "东山安置点,西岭村")
    hq.admin("add-user", "李强", "--role", "staff", "--sites", f"东山安置点,{west}")
    hq.admin("add-user", "赵敏", "--role", "volunteer", "--sites", "西岭村")
    for db, user in ((l1, "王芳"), (l2, "李强"), (vol, "赵敏")):
        _enroll(hq, db, user)
        _sync(db)

    v1 = add_visits(l1, east_people[:3], east)
    v2 = add_visits(l2, west_people[:2], west)
    new_person = add_persons(l2, west, "L2", 1)
    v2 += add_visits(l2, new_person, west)
    for i in range(2):
        _sync(l1, process=i == 0)
        _sync(l2, process=i == 0)

    union = laptop_rows(l1)
    assert union["visit"] == set(v1) | set(v2)
    assert union["person"] == set(east_people) | set(west_people) | set(new_person)
    assert union["site"] == {east, west}
    assert laptop_rows(l2) == union
    assert hq_rows(hq.database_url) == union
    # each record once: nothing pending, nothing twice
    for db in (l1, l2):
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM outbox WHERE state != 'synced'").fetchone() == (
            0,
        )
        assert conn.execute("SELECT count(*) FROM visit").fetchone() == (len(v1) + len(v2),)
        conn.close()

    # The volunteer's file: only 西岭村, never the restricted fields.
    _sync(vol)
    held = laptop_rows(vol)
    assert held["site"] == {west}
    assert held["person"] == set(west_people) | set(new_person)
    assert held["visit"] == set(v2)
    conn = sqlite3.connect(vol)
    assert conn.execute(
        "SELECT count(*) FROM person WHERE health != '' OR id_number != '' OR family != ''"
    ).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM visit WHERE money_fen != 0").fetchone() == (0,)
    raw = vol.read_bytes() + (
        Path(f"{vol}-wal").read_bytes() if Path(f"{vol}-wal").exists() else b""
    )
    assert "高血压".encode() not in raw
    assert b"51343419400101" not in raw
    conn.close()


def test_roster_from_admin_reaches_only_laptops_serving_its_sites(hq: Hq, tmp_path: Path) -> None:
    admin_db, east_db, west_db = (tmp_path / f"{n}.db" for n in ("admin", "east", "west"))
    hq.admin("add-user", "组织科", "--role", "admin")
    _enroll(hq, admin_db, "组织科")
    east = add_site(admin_db, "南坪社区")
    west = add_site(admin_db, "北沟村")
    _sync(admin_db)
    hq.admin("add-user", "陈静", "--role", "staff", "--sites", "南坪社区")
    hq.admin("add-user", "刘洋", "--role", "staff", "--sites", "北沟村")
    _enroll(hq, east_db, "陈静")
    _enroll(hq, west_db, "刘洋")

    roster = add_persons(admin_db, east, "NP", 5)
    _sync(admin_db)
    _sync(east_db)
    _sync(west_db)
    assert laptop_rows(east_db)["person"] == set(roster)
    assert laptop_rows(east_db)["site"] == {east}
    assert laptop_rows(west_db)["person"] == set()
    assert laptop_rows(west_db)["site"] == {west}
