"""The ``visit_summary`` table the due list reads is kept right by SQLite triggers.

After every kind of write (a local save, an edit moving a visit to another person
or day, a tombstone, a write applied from headquarters, a real pulled page with
rows arriving before their person, a row leaving the scope, the sample-data bulk
loader, a store upgraded from the previous schema, the one-pass refill of a
bulk-loaded first pull) the table must equal what a naive reading of ``visit`` and
``person`` gives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, Table, create_engine
from sqlmodel import SQLModel

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import Category, SiteKind, Status, Tier, VisitReason
from fieldkit.sampledata import generate_store
from fieldkit.store import Store
from fieldkit.store.due_list import refill_visit_summary
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, MIGRATIONS_DIR, current_revision
from fieldkit.store.outbox import synced_columns
from fieldkit.store.replica import StoreReplica
from fieldkit.store.wire import to_wire
from sync.protocol import PulledRecord, PullPage
from tests.careplan.summary_helpers import assert_in_step, stored


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "laptop.db")
    yield s
    s.close()


def _site_and_people(store: Store, n: int = 2) -> tuple[Site, list[Person]]:
    with store.write() as s:
        site = Site(name="石桥村", kind=SiteKind.VILLAGE)
        s.add(site)
        s.flush()
        people = [Person(code=f"P-{i}", name=f"人{i}", site_id=site.id) for i in range(n)]
        s.add_all(people)
    return site, people


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def test_a_person_without_visits_has_an_empty_row(store: Store) -> None:
    _, (a, _) = _site_and_people(store)
    assert stored(store.path)[a.id] == (Tier.ROUTINE.value, a.site_id, *([None] * 9), 1, 1)
    assert_in_step(store)


def test_local_saves_edits_and_tombstones(store: Store) -> None:
    site, (a, b) = _site_and_people(store)
    day = date(2026, 3, 1)
    with store.write() as s:
        first = Visit(person_id=a.id, site_id=site.id, visited_at=_at(day))
        fest = Visit(
            person_id=a.id,
            site_id=site.id,
            visited_at=_at(day + timedelta(days=3)),
            reason=VisitReason.FESTIVAL,
            follow_up="送米",
            follow_up_due=day + timedelta(days=20),
        )
        s.add_all([first, fest])
    row = stored(store.path)[a.id]
    assert row[2].startswith("2026-03-04")
    assert row[3:6] == (1, "送米", "2026-03-21")
    assert_in_step(store)

    # an older visit does not replace the latest one
    with store.write() as s:
        s.add(Visit(person_id=a.id, site_id=site.id, visited_at=_at(day - timedelta(days=9))))
    assert stored(store.path)[a.id][2].startswith("2026-03-04")
    assert_in_step(store)

    # the festival visit moved to the other person and another day
    with store.write() as s:
        moved = s.get(Visit, fest.id)
        assert moved is not None
        moved.person_id = b.id
        moved.visited_at = _at(day + timedelta(days=40))
    now = stored(store.path)
    assert now[a.id][2].startswith("2026-03-01")
    assert now[a.id][6] is None
    assert now[b.id][2].startswith("2026-04-10")
    assert now[b.id][6].startswith("2026-04-10")
    assert_in_step(store)

    # reason and follow-up edited, then the visit tombstoned, then restored
    with store.write() as s:
        edited = s.get(Visit, first.id)
        assert edited is not None
        edited.reason = VisitReason.HOSPITAL
        edited.follow_up = "复查"
    assert stored(store.path)[a.id][3:5] == (1, "复查")
    assert_in_step(store)
    with store.write() as s:
        gone = s.get(Visit, first.id)
        assert gone is not None
        gone.deleted = True
    assert stored(store.path)[a.id][2].startswith("2026-02-20")
    assert_in_step(store)
    with store.write() as s:
        back = s.get(Visit, first.id)
        assert back is not None
        back.deleted = False
    assert_in_step(store)


def test_tier_and_site_follow_the_person(store: Store) -> None:
    _, (a, _) = _site_and_people(store)
    with store.write() as s:
        other = Site(name="幸福安置点", kind=SiteKind.RELOCATION)
        s.add(other)
        s.flush()
        person = s.get(Person, a.id)
        assert person is not None
        person.tier = Tier.KEY
        person.site_id = other.id
    assert stored(store.path)[a.id][:2] == (Tier.KEY.value, other.id)
    assert_in_step(store)


def test_a_tie_keeps_the_visit_stored_last(store: Store) -> None:
    site, (a, _) = _site_and_people(store)
    at = _at(date(2026, 5, 5))
    with store.write() as s:
        s.add(Visit(person_id=a.id, site_id=site.id, visited_at=at, follow_up="甲"))
    with store.write() as s:
        s.add(Visit(person_id=a.id, site_id=site.id, visited_at=at, follow_up="乙"))
    assert stored(store.path)[a.id][4] == "乙"
    assert_in_step(store)


def test_a_write_applied_from_headquarters(store: Store) -> None:
    site, (a, _) = _site_and_people(store)
    with store.write(remote=True) as s:
        s.add(Visit(person_id=a.id, site_id=site.id, visited_at=_at(date(2026, 6, 1))))
    assert stored(store.path)[a.id][2].startswith("2026-06-01")
    assert_in_step(store)
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT count(*) FROM outbox WHERE tbl = 'visit'").fetchone() == (0,)


def _wire(obj: SQLModel) -> dict[str, Any]:
    return {c: to_wire(getattr(obj, c)) for c in synced_columns(type(obj))}


def _page(n: int, records: list[PulledRecord]) -> PullPage:
    return PullPage(
        epoch="e1",
        cursor=f"c{n}",
        more=False,
        seen_rev=n,
        role="county",
        scope=None,
        records=records,
    )


def test_pulled_pages_child_before_parent_update_and_exit(store: Store) -> None:
    replica = StoreReplica(store)
    site = Site(name="河西村", kind=SiteKind.VILLAGE)
    person = Person(code="H-1", name="何一", site_id=site.id, tier=Tier.PERIODIC)
    visit = Visit(
        person_id=person.id,
        site_id=site.id,
        visited_at=_at(date(2026, 7, 1)),
        reason=VisitReason.BIRTHDAY,
    )
    # the visit arrives on a page before its person
    replica.apply_page(_page(1, [PulledRecord(tbl="visit", id=visit.id, rev=1, data=_wire(visit))]))
    replica.apply_page(
        _page(
            2,
            [
                PulledRecord(tbl="site", id=site.id, rev=2, data=_wire(site)),
                PulledRecord(tbl="person", id=person.id, rev=3, data=_wire(person)),
            ],
        )
    )
    row = stored(store.path)[person.id]
    assert row[:2] == (Tier.PERIODIC.value, site.id)
    assert row[2].startswith("2026-07-01")
    assert_in_step(store)
    # an update of the visit (another day), then the visit leaves the scope
    visit.visited_at = _at(date(2026, 7, 9))
    replica.apply_page(_page(3, [PulledRecord(tbl="visit", id=visit.id, rev=4, data=_wire(visit))]))
    assert stored(store.path)[person.id][8].startswith("2026-07-09")
    assert_in_step(store)
    replica.apply_page(_page(4, [PulledRecord(op="exit", tbl="visit", id=visit.id, rev=5)]))
    assert stored(store.path)[person.id][2] is None
    assert_in_step(store)


def test_the_bulk_generator(tmp_path: Path) -> None:
    # it loads visits with the summary's insert trigger paused, then rebuilds the summary
    store = generate_store(tmp_path / "demo.db", persons=300, visits=3000)
    try:
        summary = stored(store.path)
        assert len(summary) == 300
        assert sum(row[2] is not None for row in summary.values()) > 250
        assert_in_step(store)
        # the trigger is back: a visit saved afterwards counts at once
        person_id, (_, site_id, *_) = next(iter(summary.items()))
        with store.write() as s:
            s.add(Visit(person_id=person_id, site_id=site_id, visited_at=_at(date(2030, 1, 1))))
        assert stored(store.path)[person_id][2].startswith("2030-01-01")
        assert_in_step(store)
    finally:
        store.close()


def _insert_as_stored(conn: Any, rows: list[SQLModel]) -> None:
    """Insert rows in the shape of the store's current tables (an older schema's columns)."""
    meta = MetaData()
    for row in rows:
        table = Table(str(row.__tablename__), meta, autoload_with=conn)
        conn.execute(table.insert(), {c.name: getattr(row, c.name) for c in table.columns})


def test_a_store_upgraded_from_the_previous_schema_is_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    assert current_revision(engine) == "0002"
    site = Site(name="老站点", kind=SiteKind.VILLAGE)
    people = [Person(code=f"O-{i}", name=f"老{i}", site_id=site.id) for i in range(3)]
    ids = [p.id for p in people]
    visits = [
        Visit(
            person_id=people[0].id,
            site_id=site.id,
            visited_at=_at(date(2026, 1, 10 + i)),
            reason=reason,
            follow_up_due=date(2026, 2, 1) if i else None,
        )
        for i, reason in enumerate([VisitReason.ROUTINE, VisitReason.FESTIVAL])
    ]
    visits.append(
        Visit(
            person_id=people[1].id, site_id=site.id, visited_at=_at(date(2026, 1, 3)), deleted=True
        )
    )
    with engine.begin() as conn:
        _insert_as_stored(conn, [site, *people, *visits])
    engine.dispose()

    store = Store(path)
    try:
        assert current_revision(store.engine) == HEAD
        summary = stored(path)
        assert summary[ids[0]][2:6] == ("2026-01-11 10:00:00", 1, "", "2026-02-01")
        assert summary[ids[1]][2] is None
        assert summary[ids[2]][2] is None
        assert_in_step(store)
    finally:
        store.close()


def test_a_0012_store_upgrades_with_category_and_liveness(tmp_path: Path) -> None:
    """Migration 0013 fills the copies of category and liveness of existing rows, and
    its triggers keep them after (a death, a removal); its downgrade gives 0012's
    triggers back."""
    path = tmp_path / "old.db"
    engine = make_engine(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0012")
    site = Site(name="老站点", kind=SiteKind.VILLAGE)
    people = [
        Person(code="O-1", name="老一", site_id=site.id, category=Category.WIDOW),
        Person(code="O-2", name="老二", site_id=site.id, status=Status.MOVED),
        Person(code="O-3", name="老三", site_id=site.id, status=Status.DECEASED),
        Person(code="O-4", name="老四", site_id=site.id, deleted=True, category=Category.LIXIU),
        Person(code="O-5", name="老五", site_id=site.id, status=Status.HOSPITALISED),
    ]
    visit = Visit(person_id=people[0].id, site_id=site.id, visited_at=_at(date(2026, 1, 10)))
    with engine.begin() as conn:
        _insert_as_stored(conn, [site, *people, visit])
    with engine.begin() as conn:
        old_triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).all()
    engine.dispose()

    store = Store(path)
    try:
        assert current_revision(store.engine) == HEAD
        summary = stored(path)
        assert [summary[p.id][-2:] for p in people] == [(2, 1), (1, 0), (1, 0), (0, 0), (1, 1)]
        assert_in_step(store)
        with store.write() as s:
            dying, back = s.get(Person, people[0].id), s.get(Person, people[3].id)
            assert dying is not None
            assert back is not None
            dying.status, back.deleted, back.category = Status.DECEASED, False, Category.RETIRED
        assert stored(path)[people[0].id][-2:] == (2, 0)
        assert stored(path)[people[3].id][-2:] == (1, 1)
        assert_in_step(store)
    finally:
        store.close()
    engine = make_engine(path)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
        assert (
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            ).all()
            == old_triggers
        )
    engine.dispose()


# --- random sequences of writes -------------------------------------------------------

_DAYS = [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(8)]


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[str], str]]:
    store = Store(tmp_path_factory.mktemp("summary") / "busy.db")
    site, people = _site_and_people(store, 4)
    yield store, [p.id for p in people], site.id
    store.close()


_op = st.one_of(
    st.tuples(
        st.just("add"),
        st.integers(0, 3),
        st.sampled_from(_DAYS),
        st.sampled_from(list(VisitReason)),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 3), st.sampled_from(_DAYS)),
    st.tuples(st.just("retag"), st.integers(0, 50), st.sampled_from(list(VisitReason))),
    st.tuples(st.just("tombstone"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("drop"), st.integers(0, 50)),
    st.tuples(st.just("tier"), st.integers(0, 3), st.sampled_from(list(Tier))),
    st.tuples(st.just("status"), st.integers(0, 3), st.sampled_from(list(Status))),
    st.tuples(st.just("category"), st.integers(0, 3), st.sampled_from(list(Category))),
    st.tuples(st.just("remove"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("newcomer"), st.sampled_from(list(Category)), st.booleans()),
)


@settings(max_examples=30, deadline=None)
@given(ops=st.lists(_op, min_size=1, max_size=8))
def test_random_writes_keep_the_summary_in_step(
    busy: tuple[Store, list[str], str], ops: list[tuple[Any, ...]]
) -> None:
    store, people, site_id = busy
    for op in ops:
        with store.write() as s:
            visit_ids = [
                v[0] for v in s.connection().exec_driver_sql("SELECT id FROM visit ORDER BY rowid")
            ]
            on_visit = op[0] in ("move", "retag", "tombstone", "drop")
            pick = visit_ids[op[1] % len(visit_ids)] if visit_ids and on_visit else None
            if op[0] == "add":
                _, who, day, reason, follow_up, same_time = op
                s.add(
                    Visit(
                        person_id=people[who],
                        site_id=site_id,
                        visited_at=_at(day, 10 if same_time else 9 + len(visit_ids) % 8),
                        reason=reason,
                        follow_up="回访" if follow_up else "",
                    )
                )
            elif op[0] in ("tier", "status", "category", "remove"):
                person = s.get(Person, people[op[1] % len(people)])
                assert person is not None
                column = "deleted" if op[0] == "remove" else op[0]
                setattr(person, column, op[2])  # a death: status deceased
            elif op[0] == "newcomer":  # a person arriving, possibly after their visits
                newcomer = Person(code=f"N-{len(people)}", name="新", site_id=site_id,
                                  category=op[1])  # fmt: skip
                if op[2]:
                    s.add(Visit(person_id=newcomer.id, site_id=site_id, visited_at=_at(_DAYS[0])))
                    s.flush()
                s.add(newcomer)
                people.append(newcomer.id)
            elif pick is None:
                continue
            elif op[0] == "drop":  # a hard delete, as when a row leaves the scope
                s.connection().exec_driver_sql("DELETE FROM visit WHERE id = ?", (pick,))
            else:
                visit = s.get(Visit, pick)
                assert visit is not None
                if op[0] == "move":
                    visit.person_id, visit.visited_at = people[op[2]], _at(op[3])
                elif op[0] == "retag":
                    visit.reason = op[2]
                else:
                    visit.deleted = op[2]
    assert_in_step(store)
    # the bulk load's one-pass refill makes the same rows (ties, tombstones, moves)
    engine = create_engine(f"sqlite:///{store.path}")
    try:
        with engine.begin() as conn:
            refill_visit_summary(conn)
    finally:
        engine.dispose()
    assert_in_step(store)


def test_persons_summarised_in_one_pass_equal_the_trigger(store: Store) -> None:
    """A big roster drops the person-insert trigger and writes its rows at once
    (``summarise_persons_after``): persons without visits, with only a removed one,
    and with visits that came before them (a pulled page) are summarised as the
    trigger would; the trigger is back after."""
    from fieldkit.store.due_list import pause_person_summaries, summarise_persons_after

    site, (before, *_) = _site_and_people(store, 1)
    with store.write() as s:
        conn = s.connection()
        paused = pause_person_summaries(conn)
        assert paused is not None
        early = Person(code="E-1", name="早一", site_id=site.id, tier=Tier.KEY)
        s.add_all(
            [  # visits arriving before their person, one of them removed
                Visit(person_id=early.id, site_id=site.id, visited_at=_at(date(2026, 5, 1)),
                      reason=VisitReason.HOSPITAL, follow_up="复查"),
                Visit(person_id=early.id, site_id=site.id, visited_at=_at(date(2026, 6, 1)),
                      reason=VisitReason.FESTIVAL, deleted=True),
                Visit(person_id=before.id, site_id=site.id, visited_at=_at(date(2026, 4, 1)),
                      reason=VisitReason.ROUTINE),
            ]
        )  # fmt: skip
        s.flush()
        gone = Person(code="E-2", name="无二", site_id=site.id)
        plain = Person(code="E-3", name="平三", site_id=site.id, tier=Tier.PERIODIC)
        s.add_all([early, gone, plain])
        s.flush()
        s.add(Visit(person_id=gone.id, site_id=site.id, visited_at=_at(date(2026, 3, 1)),
                    reason=VisitReason.ROUTINE, deleted=True))  # fmt: skip
        s.flush()
        summarise_persons_after(conn, paused)
        found = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name = 'trg_visit_summary_person_insert'"
        ).all()
        assert found == [("trg_visit_summary_person_insert",)]
    assert_in_step(store)
    rows = stored(store.path)
    assert rows[early.id][:5] == (Tier.KEY.value, site.id, "2026-05-01 10:00:00", 1, "复查")
    assert rows[plain.id] == (Tier.PERIODIC.value, site.id, *([None] * 9), 1, 1)
    assert rows[gone.id][2] is None
    assert rows[before.id][2].startswith("2026-04-01")
