"""The services on a real SQLite store: what the apps get, and the errors they show."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Tier, VisitReason
from fieldkit.i18n import set_language
from fieldkit.services import (
    ConflictSide,
    Draft,
    DraftBox,
    NotAllowed,
    PickError,
    RosterFilter,
    Services,
    UnexpectedError,
    VisitInput,
    describe,
    explain,
)
from fieldkit.services.due import DueVisits, PolicyProblem, SiteNotFound
from fieldkit.services.recording import RecordError
from fieldkit.services.syncing import SyncFailed
from fieldkit.store import Store
from fieldkit.store.tables import ConflictMarker
from sync.protocol import ConflictInfo, ConflictsReply
from tests.support.stored_ids import query


@pytest.fixture
def store(store_path: Path) -> Store:
    """A store with one site and two persons."""
    store = Store(store_path)
    with store.write() as s:
        site = Site(name="幸福安置点", county="示范县")
        s.add(site)
        s.flush()
        s.add(Person(code="GL-0001", name="张三丰", site_id=site.id, tier=Tier.KEY, phone="2"))
        s.add(Person(code="GL-0002", name="李秀英", site_id=site.id, address="幸福小区5栋"))
    return store


@pytest.fixture
def services(store: Store) -> Services:
    return Services(store)


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    """The interface language these tests expect unless they switch it."""
    set_language("zh")
    yield
    set_language("zh")


@pytest.fixture
def english() -> object:
    set_language("en")
    yield None
    set_language("zh")


def _pid(services: Services, code: str) -> str:
    found = services.roster.find_by_code(code)
    assert found is not None
    return found


def _outbox(path: Path) -> list[tuple[str, str, dict[str, object], str]]:
    rows = query(path, "SELECT tbl, row_id, data, state FROM outbox ORDER BY seq")
    return [(tbl, row_id, json.loads(data), state) for tbl, row_id, data, state in rows]


def test_roster_and_file_come_through_the_services(services: Services) -> None:
    page = services.roster.search(RosterFilter(text="zsf"))
    assert [(r.code, r.name) for r in page.rows] == [("GL-0001", "张三丰")]
    assert services.roster.site_named("幸福安置点") == services.roster.sites()[0][0]
    assert services.roster.site_named("月亮村") is None
    pf = services.files.get(_pid(services, "GL-0002"))
    assert pf is not None
    assert (pf.person.name, pf.site.name) == ("李秀英", "幸福安置点")
    assert services.files.get("no-such-id") is None


def test_a_refused_record_says_why_in_both_languages(services: Services) -> None:
    pid = _pid(services, "GL-0001")
    bad = VisitInput(person_id=pid, visited_at=datetime(2026, 11, 20, 9), money_fen=-5)
    with pytest.raises(RecordError) as caught:
        services.record.visit(bad)
    err = caught.value
    assert err.field == "money"
    assert str(err) == "Money handed over cannot be below 0"
    assert err.user_message() == "慰问金不能小于 0"  # the interface language (zh by default)
    set_language("en")
    try:
        assert describe(err) == ("Money handed over cannot be below 0", "")
    finally:
        set_language("zh")
    with pytest.raises(RecordError) as caught:
        services.record.visit(VisitInput(person_id="nobody", visited_at=datetime(2026, 11, 20)))
    assert caught.value.user_message() == "没有编号为 nobody 的人员"
    assert "visit" not in {tbl for tbl, *_ in _outbox(services.path)}  # nothing half-written


def test_the_outbox_is_read_in_one_place(services: Services) -> None:
    pid = _pid(services, "GL-0001")
    services.record.visit(
        VisitInput(person_id=pid, visited_at=datetime(2026, 11, 20, 9), reason=VisitReason.AID)
    )
    status = services.outbox.status()
    assert status.pending_by_table == {"site": 1, "person": 2, "visit": 1}
    assert status.pending == 4
    assert status.rejected_count == 0
    with sqlite3.connect(services.path) as conn:
        conn.execute(
            "UPDATE outbox SET state = 'rejected', reason = 'site not in your scope' "
            "WHERE tbl = 'visit'"
        )
    status = services.outbox.status()
    assert status.pending_by_table == {"site": 1, "person": 2}
    (rejected,) = status.rejected
    assert (rejected.table, rejected.row_id, rejected.reason) == (
        "visit",
        _outbox(services.path)[-1][1],
        "site not in your scope",
    )
    assert rejected.what.startswith("2026-11-20")
    line = services.outbox.sync_line()
    assert (line.pending, line.rejected, line.enrolled, line.last_sync_at) == (3, 1, False, None)


def _marker(store: Store, pid: str) -> None:
    """A conflict on GL-0001's phone as a pull brings it: HQ kept "2", set "3" aside."""
    from fieldkit.store.replica import StoreReplica

    info = ConflictInfo(
        id=7,
        tbl="person",
        row_id=pid,
        field="phone",
        winner_value="2",
        winner_hlc="x",
        winner_device="dev-b",
        loser_value="3",
        loser_hlc="w",
        loser_device="dev-a",
        rev=5,
        created_at="2026-11-20T08:00:00",
    )
    StoreReplica(store).apply_conflicts(ConflictsReply(epoch="e", rev=5, conflicts=[info]))


def test_an_admin_picks_a_conflict_value_as_a_synced_change(
    store: Store, services: Services
) -> None:
    person_id = _pid(services, "GL-0001")
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE outbox SET state = 'synced'")
    _marker(store, person_id)
    (open_one,) = services.conflicts.open_on(person_id)
    assert (open_one.field, open_one.winner, open_one.loser) == ("phone", "2", "3")

    with pytest.raises(NotAllowed):  # a laptop that is not an administrator's
        services.conflicts.pick(7, ConflictSide.LOSER)
    assert services.conflicts.open_on(person_id) == [open_one]

    store.set_meta("role", "admin")
    services.conflicts.pick(7, ConflictSide.LOSER)
    pf = services.files.get(person_id)
    assert pf is not None
    assert pf.person.phone == "3"
    assert [(t, r, d, st) for t, r, d, st in _outbox(store.path) if st == "pending"] == [
        ("person", person_id, {"phone": "3"}, "pending")
    ]
    assert services.conflicts.open_on(person_id) == []
    with pytest.raises(PickError) as caught:
        services.conflicts.pick(7, ConflictSide.WINNER)
    assert caught.value.user_message() == "冲突 7 已经处理过了"
    # HQ sends the (still open there) conflict again: it stays settled on this laptop
    _marker(store, person_id)
    assert services.conflicts.open_on(person_id) == []
    with store.read() as s:
        marker = s.get(ConflictMarker, 7)
        assert marker is not None
        assert marker.resolved


def test_a_store_failure_becomes_a_message_with_what_to_do(services: Services) -> None:
    holder = sqlite3.connect(services.path)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        impatient = sqlite3.connect(services.path, timeout=0)
        with pytest.raises(sqlite3.OperationalError) as caught:
            impatient.execute("BEGIN IMMEDIATE")
        impatient.close()
    finally:
        holder.rollback()
        holder.close()
    err = explain(caught.value)
    assert err.user_message() == "数据文件正忙：另一个 fieldkit 程序正在写入"
    assert "同步" in err.user_hint()
    other = explain(KeyError("x"))
    assert isinstance(other, UnexpectedError)
    assert other.user_message() == "出错了：KeyError：'x'"


def test_due_list_policy_and_sites(services: Services, tmp_path: Path) -> None:
    bad = tmp_path / "county.toml"
    bad.write_text("[tiers.key]\ninterval_days = -3\n", encoding="utf-8")
    with pytest.raises(PolicyProblem) as caught:
        DueVisits.policy(bad)
    assert caught.value.problem.startswith(f"{bad}: tiers.key.interval_days")
    with pytest.raises(SiteNotFound) as missing:
        services.due.resolve_sites(["月亮村"])
    assert str(missing.value) == "no site named or with id '月亮村'; sites here: 幸福安置点"
    site_ids = services.due.resolve_sites(["幸福安置点"])
    due = services.due.listing(date(2026, 11, 21), site_ids=site_ids)
    assert {t.person_code for t in due.tasks} >= {"GL-0001"}


def test_enrolling_against_nothing_is_a_clear_failure(services: Services, english: object) -> None:
    with pytest.raises(SyncFailed) as caught:
        services.sync.enroll("http://127.0.0.1:9", "ABCD-EFGH")
    message, hint = describe(caught.value)
    assert message.startswith("enrollment failed: cannot reach headquarters")
    assert hint == "Check the address and the code, then try again."
    assert not services.sync.enrolled
    outcome = services.sync.run()
    assert not outcome.ok
    assert outcome.failure is not None
    assert "fieldkit enroll URL CODE" in outcome.failure.user_message()


def test_drafts_are_kept_whole_and_dropped(tmp_path: Path) -> None:
    box = DraftBox(tmp_path / "laptop.db.drafts.json")
    assert box.all() == []
    first = Draft("visit", "p1", {"services": "送米", "needs": ("医疗",)}, title="张三丰")
    box.keep(first)
    box.keep(Draft("consultation", "", {"question": "养老金"}))
    kept = {d.key: d for d in box.all()}
    assert kept["visit:p1"].values == {"services": "送米", "needs": ["医疗"]}
    assert kept["visit:p1"].title == "张三丰"
    box.keep(Draft("visit", "p1", {"services": "送米和油"}))
    assert [d.values for d in box.all() if d.kind == "visit"] == [{"services": "送米和油"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laptop.db.drafts.json"]
    box.drop("visit", "p1")
    box.drop("consultation", "")
    assert box.all() == []
    assert not box.path.exists()
    box.path.write_text("{not json", encoding="utf-8")  # a file cut by a crash elsewhere
    assert box.all() == []
