"""Issue scenarios with three laptops against a real ``fieldkit serve`` process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from fieldkit.domain.models import Person
from fieldkit.store import Store
from fieldkit.store.replica import open_conflicts
from fieldkit.sync_schema import sync_schema
from sync import PROTOCOL_VERSION
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA
from tests.e2e.e2e_data import add_persons, add_site, hq_rows
from tests.support.hq_process import Hq, run_cli
from tests.support.stored_ids import stored

pytestmark = pytest.mark.slow


def _enroll(hq: Hq, db: Path, user: str) -> None:
    run_cli("--db", str(db), "enroll", hq.url, hq.enroll_code(user))


def _sync(db: Path, process: bool = False) -> str:
    return run_cli("--db", str(db), "sync", process=process)


def _edit(db: Path, pid: str, **values: str) -> None:
    store = Store(db)
    with store.write() as s:
        p = s.get(Person, pid)
        assert p is not None
        for k, v in values.items():
            setattr(p, k, v)
    store.close()


def _person(db: Path, pid: str) -> tuple[str, str, str]:
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT phone, address, notes FROM person WHERE id = ?", stored(pid)
    ).fetchone()
    conn.close()
    return tuple(row)


def test_three_laptops_edit_one_person(hq: Hq, tmp_path: Path) -> None:
    admin, a, b, c = (tmp_path / f"{n}.db" for n in ("admin", "a", "b", "c"))
    hq.admin("add-user", "总站", "--role", "admin")
    _enroll(hq, admin, "总站")
    site = add_site(admin, "白马安置点")
    (pid,) = add_persons(admin, site, "BM", 1)
    _sync(admin)
    for db, user in ((a, "甲"), (b, "乙"), (c, "丙")):
        hq.admin("add-user", user, "--role", "staff", "--sites", "白马安置点")
        _enroll(hq, db, user)
        _sync(db)

    # different fields, all offline: every edit survives
    _edit(a, pid, phone="13800000001")
    _edit(b, pid, address="白马3栋")
    _edit(c, pid, notes="已住院")
    for db in (a, b, c, a, b):
        out = _sync(db)
        assert "conflict" not in out
    assert {_person(db, pid) for db in (a, b, c)} == {("13800000001", "白马3栋", "已住院")}

    # the same field, offline: one value everywhere, the other kept as a conflict
    _edit(a, pid, phone="13811111111")
    _edit(b, pid, phone="13922222222")
    _edit(c, pid, phone="13733333333")
    _sync(a)
    _sync(b, process=True)
    _sync(c)
    for db in (a, b):
        _sync(db)
    phones = {_person(db, pid)[0] for db in (a, b, c)}
    assert phones == {"13733333333"}  # c edited last
    listing = hq.admin("conflicts")
    assert listing.count(pid) == 2
    assert "13733333333" in listing
    assert "13811111111" in listing
    assert "13922222222" in listing
    store = Store(a)
    assert {m.field for m in open_conflicts(store, pid)} == {"phone"}
    store.close()
    first_id = listing.split()[0].lstrip("#")
    hq.admin("conflicts", "--resolve", first_id)
    assert hq.admin("conflicts").count(pid) == 1
    _sync(a)
    store = Store(a)
    assert len(open_conflicts(store, pid)) == 1
    store.close()

    devices = hq.admin("devices")
    assert all(user in devices for user in ("甲", "乙", "丙"))
    assert "active" in devices


def test_a_revoked_laptop_gets_401_and_writes_nothing(hq: Hq, tmp_path: Path) -> None:
    admin, lost = tmp_path / "admin.db", tmp_path / "lost.db"
    hq.admin("add-user", "局长", "--role", "admin")
    _enroll(hq, admin, "局长")
    site = add_site(admin, "青杠村")
    _sync(admin)
    hq.admin("add-user", "丢失的电脑", "--role", "staff", "--sites", "青杠村")
    _enroll(hq, lost, "丢失的电脑")
    _sync(lost)
    device_id = Store(lost).device_id
    hq.admin("revoke", device_id[:13])
    add_persons(lost, site, "QG", 3)
    before = hq_rows(hq.database_url)
    out = run_cli("--db", str(lost), "sync", process=True, check=False)
    assert "exit=1" in out
    assert "revoked" in out
    assert hq_rows(hq.database_url) == before
    assert "revoked" in hq.admin("devices")


def test_an_old_client_is_told_to_upgrade(hq: Hq) -> None:
    reply = httpx.get(
        f"{hq.url}/v1/pull",
        headers={HEADER_PROTOCOL: str(PROTOCOL_VERSION - 1), HEADER_SCHEMA: sync_schema().version},
    )
    assert reply.status_code == 426
    assert "please upgrade fieldkit" in reply.json()["detail"]
    assert httpx.get(f"{hq.url}/openapi.json").json()["paths"]["/v1/push"]


def test_cli_errors_are_clear(hq: Hq, tmp_path: Path) -> None:
    out = hq.admin("add-user", "无名", "--role", "staff", "--sites", "不存在的站点", check=False)
    assert "exit=1" in out
    assert "unknown site '不存在的站点'" in out
    out = hq.admin("enroll", "nobody-at-all", check=False)
    assert "exit=1" in out
    assert "no user named" in out
    lone = tmp_path / "lone.db"
    out = run_cli("--db", str(lone), "sync", check=False)
    assert "exit=1" in out
    assert "fieldkit enroll URL CODE" in out
    out = run_cli("--db", str(lone), "enroll", hq.url, "WRON-GCOD-E123", check=False)
    assert "exit=1" in out
    assert "unknown enrollment code" in out
    store = Store(lone)
    store.set_meta("server_url", "http://127.0.0.1:9")
    store.set_meta("device_token", "x")
    store.close()
    out = run_cli("--db", str(lone), "sync", check=False)
    assert "exit=1" in out
    assert "cannot reach headquarters" in out
