"""fieldkit's store as a sync replica, against a real HQ over HTTP (fieldkit schema)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.store.replica import CODE_CLASH_MARK, open_conflicts, rejected_changes
from fieldkit.sync_schema import ROLES
from fieldkit.syncing import sync_now
from sync.hlc import Timestamp, format_ts
from sync.server.admin import add_user, revoke_device
from sync.server.db import write_begin
from tests.hq.hq_kit import laptop, ok
from tests.support.server_thread import ServerThread


def make_site(store: Store, name: str) -> str:
    with store.write() as s:
        site = Site(name=name, kind=SiteKind.VILLAGE)
        s.add(site)
    return site.id


def make_person(store: Store, site_id: str, code: str, name: str = "李四") -> str:
    with store.write() as s:
        p = Person(code=code, name=name, site_id=site_id, birth_date=date(1938, 5, 1))
        s.add(p)
    return p.id


def test_same_field_edits_converge_and_both_laptops_see_the_conflict(
    hq: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq, tmp_path, "admin", "admin", None)
    site = make_site(admin, "东山")
    pid = make_person(admin, site, "C-0001")
    ok(admin)
    a = laptop(hq, tmp_path, "a", "staff", [site])
    b = laptop(hq, tmp_path, "b", "staff", [site])
    ok(a)
    ok(b)
    with a.write() as s:
        p = s.get(Person, pid)
        assert p is not None
        p.phone = "13800000001"
        p.address = "东山3号"
    with b.write() as s:
        p = s.get(Person, pid)
        assert p is not None
        p.phone = "13900000002"
        p.notes = "住院中"
    ok(a)
    report = sync_now(b)
    assert report.conflicts == 1
    ok(a)
    for store in (a, b):
        with store.read() as s:
            p = s.get(Person, pid)
            assert p is not None
            assert (p.phone, p.address, p.notes) == ("13900000002", "东山3号", "住院中")
            assert p.search_full == "lisi"
    for store in (a, b):
        marks = open_conflicts(store, pid)
        assert [(m.field, m.loser_value) for m in marks] == [("phone", '"13800000001"')]


def test_rejected_changes_stay_with_reason_and_never_block(
    hq: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq, tmp_path, "admin2", "admin", None)
    mine, other = make_site(admin, "南坪"), make_site(admin, "北沟")
    ok(admin)
    staff = laptop(hq, tmp_path, "staff2", "staff", [mine, other])
    ok(staff)
    # HQ takes 北沟 away from this user while the laptop is offline and still edits there
    with write_begin(hq.engine) as conn:
        add_user(conn, ROLES, staff.meta("user_name") or "", "staff", [mine])
    with staff.write() as s:
        s.add(Person(code="X-1", name="王五", site_id=other))
    pid = make_person(staff, mine, "X-2")
    report = sync_now(staff)
    assert report.ok
    assert report.rejected == 1
    assert report.applied == 1
    assert report.removed == 2  # the site and the rejected person left this laptop
    rejected = rejected_changes(staff)
    assert len(rejected) == 1
    assert f"{other} is outside" in rejected[0].reason
    assert sync_now(staff).pushed == 0  # rejected changes are not sent again
    ok(admin)
    with admin.read() as s:
        assert s.get(Person, pid) is not None


def test_a_pulled_child_may_come_before_its_parent(hq: ServerThread, tmp_path: Path) -> None:
    admin = laptop(hq, tmp_path, "admin3", "admin", None)
    site = make_site(admin, "河口")
    pid = make_person(admin, site, "H-1")
    with admin.write() as s:
        s.add(Visit(person_id=pid, site_id=site, visited_at=datetime(2026, 10, 1, 9, 30)))
    ok(admin)
    with admin.write() as s:
        p = s.get(Person, pid)
        assert p is not None
        p.name = "赵六"  # the person now has a later revision than its visit
    ok(admin)
    fresh = laptop(hq, tmp_path, "fresh3", "staff", [site])
    ok(fresh)
    conn = sqlite3.connect(fresh.path)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT name, search_initials FROM person").fetchall() == [("赵六", "zl")]
    assert conn.execute("SELECT visited_at FROM visit").fetchall() == [("2026-10-01 09:30:00",)]
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (0,)  # a new connection's default
    conn.close()
    with fresh.write() as s:  # local writes still check foreign keys
        s.add(Visit(person_id=pid, site_id=site, visited_at=datetime(2026, 10, 2, 9, 0)))
    with pytest.raises(Exception, match="FOREIGN KEY"), fresh.write() as s:
        s.add(Visit(person_id="nobody", site_id=site, visited_at=datetime(2026, 10, 2, 9, 0)))


def test_the_same_card_code_from_two_laptops_does_not_stop_sync(
    hq: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq, tmp_path, "admin4", "admin", None)
    site = make_site(admin, "石桥")
    ok(admin)
    a = laptop(hq, tmp_path, "a4", "staff", [site])
    b = laptop(hq, tmp_path, "b4", "staff", [site])
    ok(a)
    ok(b)
    pa = make_person(a, site, "SQ-0001", "甲")
    pb = make_person(b, site, "SQ-0001", "乙")
    ok(a)
    ok(b)
    ok(a)
    with a.read() as s:
        codes = {p.id: p.code for p in s.exec(select(Person))}
    assert codes[pa] == "SQ-0001"
    assert codes[pb] == f"SQ-0001{CODE_CLASH_MARK}{pb[-6:]}"


def test_clock_in_the_future_revoked_and_unenrolled_laptops_get_clear_errors(
    hq: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq, tmp_path, "admin5", "admin", None)
    future = format_ts(Timestamp(4_070_908_800_000, 0, admin.device_id))
    admin.set_meta("hlc", future)
    make_site(admin, "未来")
    report = sync_now(admin)
    assert report.rejected == 1
    assert "ahead of headquarters" in report.rejected_reasons[0]

    with write_begin(hq.engine) as conn:
        revoke_device(conn, admin.device_id)
    make_site(admin, "撤销后")
    report = sync_now(admin)
    assert not report.ok
    assert "revoked" in (report.error or "")
    assert admin.meta("last_sync_error") == report.error
    with admin.read() as s:
        from fieldkit.store.tables import OutboxEntry

        states = [e.state for e in s.exec(select(OutboxEntry))]
    assert states[-1] == "pending"

    lone = Store(tmp_path / "lone.db")
    report = sync_now(lone)
    assert not report.ok
    assert "fieldkit enroll" in (report.error or "")
    lone.set_meta("server_url", "http://127.0.0.1:9")
    lone.set_meta("device_token", "x")
    report = sync_now(lone)
    assert not report.ok
    assert "cannot reach headquarters" in (report.error or "")
