"""Ids stored compact: a canonical UUID as its 16 bytes, any other id as text.

Python sees the same ``str`` ids everywhere; the store file holds 16-byte BLOBs for
canonical UUIDs (store migration 0014 rewrote the ids of existing stores) and the
text of any other id, unchanged, so every id round-trips exactly and is found by
lookup. Ordering by id among UUIDs is the order of their text.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, select

from fieldkit.domain.ids import IdTexts, decode_id, encode_id, id_order, new_id
from fieldkit.domain.models import Person, Site, StoreId, Visit
from fieldkit.sampledata import CountyGenerator, fill_store
from fieldkit.store import Store, plain
from fieldkit.store.due_list import due_list
from fieldkit.store.due_sql import id_params, id_set
from fieldkit.store.engine import make_engine
from fieldkit.store.migrate import HEAD, MIGRATIONS_DIR, compact, current_revision
from fieldkit.store.roster import RosterFilter, rebuild_person_fts, search_roster
from sync.sqlite import sqlite_engine
from tests.support.stored_ids import query

AT = datetime(2026, 10, 30, 9, 0)

ODD_IDS = (
    "0193A5C0-0000-7000-8000-000000000001",  # upper case
    "{0193a5c0-0000-7000-8000-000000000002}",  # braces
    "0193a5c000007000800000000000000003",  # no dashes
    "0193a5c0-0000-7000-8000-00000000000g",  # not hex
    "0193a5c0-0000-7000-8000 000000000005",  # a blank for a dash
    "0193a5c0-0000-7000-8000-0000000 0006",  # a blank among the digits
    "0193a5c0-0000-7000-8000-0000000000007",  # 37 characters
    "x'; DROP TABLE person; --",
    "安置点-一号",
    "",
)
"""Ids that are not canonical UUIDs: each stored as text, unchanged."""


def _migration() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / "0014_compact_ids.py"
    spec = importlib.util.spec_from_file_location("m0014", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows as the file holds them (nothing decoded)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


# --- the codec ------------------------------------------------------------------------
@given(st.uuids())
def test_a_canonical_uuid_is_its_16_bytes_and_back(value: uuid.UUID) -> None:
    text = str(value)
    assert encode_id(text) == value.bytes
    assert decode_id(value.bytes) == text


@given(st.text())
def test_any_other_text_is_kept_as_it_is(text: str) -> None:
    stored = encode_id(text)
    assert decode_id(stored) == text
    assert isinstance(stored, str) or stored.hex() == text.replace("-", "")


@given(st.uuids(), st.uuids())
def test_the_bytes_of_uuids_sort_as_their_text(a: uuid.UUID, b: uuid.UUID) -> None:
    assert (encode_id(str(a)) < encode_id(str(b))) == (str(a) < str(b))


def test_odd_ids_are_text_and_none_stays_none() -> None:
    for odd in ODD_IDS:
        assert encode_id(odd) == odd
        assert decode_id(odd) == odd
    assert encode_id(None) is None
    assert decode_id(None) is None


def test_remembered_ids_read_as_decoded_and_the_memo_stays_bounded() -> None:
    ids = [new_id() for _ in range(5)]
    memo = IdTexts(limit=3)
    stored = [encode_id(i) for i in ids] + list(ODD_IDS) + [None]
    for value in stored + stored:
        assert memo.decode(value) == decode_id(value)
        assert len(memo) <= 3
    assert memo.known(encode_id(ids[0])) is None  # forgotten when the memo filled
    last = encode_id(ids[-1])
    memo.decode(last)
    assert memo.known(last) == ids[-1]


def test_headquarters_databases_keep_the_text() -> None:
    """Only SQLite stores the bytes: HQ's tables (PostgreSQL, or its projection on
    SQLite, which holds no domain table) and its domain objects keep text."""
    value = new_id()
    kind = StoreId()
    assert kind.process_bind_param(value, postgresql.dialect()) == value
    assert kind.process_bind_param(value, sqlite.dialect()) == uuid.UUID(value).bytes
    assert kind.process_result_value(value, postgresql.dialect()) == value
    site = Site(name="总部录入", county="示范县")
    assert isinstance(site.id, str)
    assert len(site.id) == 36


# --- the store ------------------------------------------------------------------------
@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    """A new store: its path and the open store (closed after)."""
    path = tmp_path / "store.db"
    store = Store(path)
    try:
        yield path, store
    finally:
        store.close()


def test_ids_round_trip_as_bytes_or_text_and_are_found(opened: tuple[Path, Store]) -> None:
    path, store = opened
    canonical = new_id()
    with store.write() as s:
        s.add(Site(id=canonical, name="标准", county="示范县"))
        for i, odd in enumerate(ODD_IDS):
            s.add(Site(id=odd, name=f"站点{i}", county="示范县"))
        s.flush()
        for i, odd in enumerate(ODD_IDS):
            s.add(Person(id=f"p-{odd}", code=f"ID-{i:03d}", name=f"张{i}", site_id=odd))
        s.add(Person(code="ID-999", name="李标准", site_id=canonical))
    kinds = dict(_raw(path, "SELECT name, typeof(id) FROM site"))
    assert kinds.pop("标准") == "blob"
    assert set(kinds.values()) == {"text"}
    assert _raw(path, "SELECT id FROM site WHERE name = '标准'") == [(uuid.UUID(canonical).bytes,)]
    stored_odd = {r[0] for r in _raw(path, "SELECT id FROM site WHERE name != '标准'")}
    assert stored_odd == set(ODD_IDS)
    # the person's site id is stored as the site's id is
    assert _raw(path, "SELECT typeof(site_id), typeof(id) FROM person WHERE code = 'ID-999'") == [
        ("blob", "blob")
    ]
    with store.read() as s:
        for odd in (canonical, *ODD_IDS):
            site = s.get(Site, odd)
            assert site is not None
            assert site.id == odd
        persons = {p.id: p.site_id for p in s.exec(select(Person))}
        found = s.exec(select(Site.id).where(Site.id.in_([canonical, *ODD_IDS]))).all()  # type: ignore[attr-defined]
    assert {f"p-{odd}": odd for odd in ODD_IDS}.items() <= persons.items()
    assert sorted(found) == sorted([canonical, *ODD_IDS])
    assert all(type(i) is str for i in [*persons, *persons.values(), *found])


def test_ordering_by_id_orders_uuids_as_their_text(tmp_path: Path) -> None:
    store = Store(tmp_path / "order.db")
    ids = [str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128))) for i in range(1, 300)]
    try:
        with store.write() as s:
            s.add_all(Site(id=i, name=f"站{n}", county="县") for n, i in enumerate(ids))
            s.add_all(Site(id=odd, name=f"怪{n}", county="县") for n, odd in enumerate(ODD_IDS))
        with store.read() as s:
            ordered = list(s.exec(select(Site.id).order_by(Site.id)))
        # the UUIDs in text order, after every id that is not one (SQLite: text < blob)
        assert ordered[len(ODD_IDS) :] == sorted(ids)
        assert ordered == sorted([*ids, *ODD_IDS], key=id_order)
    finally:
        store.close()


def test_the_first_page_and_the_roster_read_odd_and_compact_ids_alike(tmp_path: Path) -> None:
    path = tmp_path / "page.db"
    store = Store(path)
    store.set_meta("device_id", "d1")
    try:
        with store.write() as s:
            s.add(Site(id=ODD_IDS[7], name="怪站", county="县"))
            s.add(Site(id="0193a5c0-0000-7000-8000-0000000000aa", name="标准站", county="县"))
            s.flush()
            for i in range(12):
                site = ODD_IDS[7] if i % 2 else "0193a5c0-0000-7000-8000-0000000000aa"
                pid = ODD_IDS[i % len(ODD_IDS)] + "人" if i % 3 == 0 else new_id()
                s.add(Person(id=pid, code=f"PG-{i:02d}", name="王同名", site_id=site))
        for flt in (RosterFilter(), RosterFilter(site_id=ODD_IDS[7])):
            mine = search_roster(store, flt)
            assert plain.roster_page(path, flt) == mine
            assert [r.id for r in mine.rows] == [
                r.id for r in sorted(mine.rows, key=lambda r: id_order(r.id))
            ]
        assert {r.site_name for r in search_roster(store, RosterFilter()).rows} == {
            "怪站",
            "标准站",
        }
        assert sorted(plain.list_sites(path)) == sorted(
            [(ODD_IDS[7], "怪站"), ("0193a5c0-0000-7000-8000-0000000000aa", "标准站")]
        )
    finally:
        store.close()


def test_every_id_column_is_compact_and_the_migration_rewrites_each() -> None:
    """The id columns of the store's tables (the models' :class:`StoreId` columns) are
    those migration 0014 rewrites, with the derived tables' copies."""
    from fieldkit.store import tables  # noqa: F401  (the store's own tables in the metadata)

    columns = _migration().COLUMNS
    typed = {
        (t.name, c.name)
        for t in SQLModel.metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, StoreId)
    }
    rewritten = {(t, c) for t, cs in columns.items() for c in cs}
    derived = {
        ("visit_summary", "person_id"),
        ("visit_summary", "site_id"),
        ("report_person_version", "person_id"),
        ("report_replay", "person_id"),
        ("report_replay", "site_id"),
    }
    assert rewritten == typed | derived


# --- migration 0014 -------------------------------------------------------------------
def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _move(path: Path, revision: str, *, down: bool) -> None:
    engine = make_engine(path)
    try:
        cfg = _config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()


def _tables(path: Path) -> list[str]:
    return [
        r[0]
        for r in _raw(
            path,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'person_fts_%' ORDER BY name",
        )
    ]


def _everything(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ids as text (those of the rewritten columns only); of
    the search index (made again, contentless), every term of every row."""
    columns = _migration().COLUMNS
    out = {"person_fts": _raw(path, "SELECT * FROM person_fts_terms ORDER BY 1, 2, 3, 4")}
    for table in _tables(path):
        names = [r[1] for r in _raw(path, f'PRAGMA table_info("{table}")')]
        rows = _raw(path, f'SELECT * FROM "{table}"')
        ids = [names.index(c) for c in columns.get(table, ())]
        out[table] = sorted(
            (tuple(decode_id(v) if i in ids else v for i, v in enumerate(r)) for r in rows),
            key=repr,
        )
    return out


def _id_kinds(path: Path) -> set[str]:
    kinds: set[str] = set()
    for table, columns in _migration().COLUMNS.items():
        for column in columns:
            kinds |= {
                r[0] for r in _raw(path, f"SELECT DISTINCT typeof({column}) FROM {table}")
            } - {"null"}
    return kinds


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A store at revision 0013 with text ids: sample data, a kept report row, a
    local edit in the outbox and a conflict marker, as revision 0013 stored them."""
    path = tmp_path / "old.db"
    store = Store(path)
    try:
        fill_store(store, CountyGenerator(persons=120, visits=900, seed=5))
        with store.write() as s:
            person = s.exec(select(Person).order_by(Person.code)).first()
            assert person is not None
            person.notes = "本地修改"
            s.add(Visit(person_id=person.id, site_id=person.site_id, visited_at=AT))
    finally:
        store.close()
    _move(path, "0013", down=True)
    person_id, site_id = _raw(path, "SELECT id, site_id FROM person ORDER BY code LIMIT 1")[0]
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO sync_conflict_marker (id, tbl, row_id, field, winner_value,"
                " winner_device, loser_value, loser_device, created_at, resolved)"
                " VALUES (1, 'person', ?, 'notes', '\"a\"', 'd1', '\"b\"', 'd2', '', 0)",
                (person_id,),
            )
            names = [r[1] for r in conn.execute("PRAGMA table_info(report_replay)")]
            values = {n: 0 for n in names} | {
                "quarter": "2026Q3", "policy": "p", "person_id": person_id, "site_id": site_id,
                "category": "retired", "tier": "key", "last_visit": None,
            }  # fmt: skip
            conn.execute(
                f"INSERT INTO report_replay ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))})",
                [values[n] for n in names],
            )
    finally:
        conn.close()
    return path


def test_migration_0014_stores_every_id_compact_and_keeps_every_row(old_store: Path) -> None:
    path = old_store
    assert _raw(path, "SELECT version_num FROM alembic_version") == [("0013",)]
    assert _id_kinds(path) == {"text"}
    before = _everything(path)
    assert all(before[t] for t in ("visit", "outbox", "sync_conflict_marker", "report_replay"))
    triggers = dict(_raw(path, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    # the search index's triggers are those of a contentless index, the others as they were
    contentless = _migration().CONTENTLESS_TRIGGERS
    triggers |= {name: f"CREATE TRIGGER {name} {body}" for name, body in contentless.items()}
    versions = _raw(path, "SELECT count(*), sum(version) FROM report_person_version")

    store = Store(path)
    try:
        assert current_revision(store.engine) == HEAD
        assert _id_kinds(path) == {"blob"}
        assert _everything(path) == before
        now = dict(_raw(path, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        assert now == triggers
        assert not _raw(path, "SELECT name FROM sqlite_master WHERE name LIKE '_m0014%'")
        assert _raw(path, "SELECT count(*), sum(version) FROM report_person_version") == versions
        assert _raw(path, "PRAGMA foreign_key_check") == []
        # read through the models and the due list as before, the triggers at work again
        with store.read() as s:
            first = s.exec(select(Person).order_by(Person.code)).first()
            assert first is not None
            assert first.notes == "本地修改"
            person_id, site_id = first.id, first.site_id
        listing = due_list(store, on=AT.date())
        assert {t.person_id for t in listing.tasks} <= {r[0] for r in before["person"]}
        with store.write() as s:
            s.add(Visit(person_id=person_id, site_id=site_id, visited_at=AT))
        last = "SELECT last_at FROM visit_summary WHERE person_id = ?"
        assert query(path, last, person_id) == [("2026-10-30 09:00:00",)]
    finally:
        store.close()


def test_an_upgrade_across_0014_gives_the_freed_pages_back(old_store: Path) -> None:
    path = old_store
    before = _everything(path)
    pages_before = _raw(path, "PRAGMA page_count")[0][0]
    Store(path).close()
    pages, free = _raw(path, "PRAGMA page_count")[0][0], _raw(path, "PRAGMA freelist_count")[0][0]
    page_size = _raw(path, "PRAGMA page_size")[0][0]
    assert free == 0
    assert pages < pages_before
    assert path.stat().st_size == pages * page_size
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert _everything(path) == before
    assert _raw(path, "PRAGMA integrity_check") == [("ok",)]


def test_a_store_that_cannot_be_compacted_is_left_as_it_was(old_store: Path) -> None:
    path = old_store
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE scratch (x)")
        conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 500,)] * 200)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE scratch")  # pages free again, in the file
    free = _raw(path, "PRAGMA freelist_count")[0][0]
    assert free > 0
    rows = _everything(path)
    writer = sqlite3.connect(path, isolation_level=None)
    engine = sqlite_engine(f"sqlite:///{path}", busy_timeout_ms=50, foreign_keys=True)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
        assert compact(engine) is False
        writer.execute("ROLLBACK")
        with engine.connect() as conn:  # the connection is as it was before
            assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2
        assert _raw(path, "PRAGMA freelist_count")[0][0] == free
        assert _everything(path) == rows
        assert compact(engine) is True
        assert _raw(path, "PRAGMA freelist_count")[0][0] == 0
    finally:
        writer.close()
        engine.dispose()


def test_an_interrupted_migration_0014_leaves_every_id_as_it_was(old_store: Path) -> None:
    path = old_store
    before = _raw(path, "SELECT * FROM visit ORDER BY rowid")
    conn = sqlite3.connect(path)
    try:
        with conn:  # a failure on the last table rewritten, after all the others
            conn.execute(
                "CREATE TRIGGER injected BEFORE UPDATE ON report_replay"
                " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
    finally:
        conn.close()
    with pytest.raises(exc.IntegrityError, match="injected failure"):
        Store(path)
    assert _raw(path, "SELECT version_num FROM alembic_version") == [("0013",)]
    assert _id_kinds(path) == {"text"}
    assert _raw(path, "SELECT * FROM visit ORDER BY rowid") == before
    assert not _raw(path, "SELECT name FROM sqlite_master WHERE name LIKE '_m0014%'")
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("DROP TRIGGER injected")
    finally:
        conn.close()
    Store(path).close()
    assert _id_kinds(path) == {"blob"}


def test_the_contentless_search_index_follows_edits_as_a_rebuild_would(
    opened: tuple[Path, Store],
) -> None:
    """The search index keeps no copy of the values (migration 0014): a renamed,
    tombstoned, restored or deleted person leaves it by their old values, so its
    terms are always those of an index rebuilt from the rows."""
    path, store = opened
    site = new_id()
    with store.write() as s:
        s.add(Site(id=site, name="搜索站", county="县"))
        s.flush()
        for i in range(6):
            s.add(Person(code=f"FT-{i}", name=f"张{'三四五六七八'[i]}", site_id=site,
                         address=f"{i}号楼", phone=f"1380000{i:04d}"))  # fmt: skip
    with store.write() as s:
        people = {p.code: p for p in s.exec(select(Person))}
        people["FT-0"].name = "李新名"
        people["FT-1"].deleted = True
        people["FT-2"].address = "新地址9号"
        people["FT-3"].deleted = True
    with store.write() as s:
        again = s.get(Person, people["FT-3"].id)
        assert again is not None
        again.deleted = False
        again.phone = "13911112222"
    with store._write_engine.begin() as conn:  # a row leaving the device's scope
        conn.exec_driver_sql("DELETE FROM person WHERE code = 'FT-4'")
    terms = "SELECT * FROM person_fts_terms ORDER BY 1, 2, 3, 4"
    kept = _raw(path, terms)
    names = {r.name for r in search_roster(store, RosterFilter(text="新名")).rows}
    assert names == {"李新名"}
    assert not search_roster(store, RosterFilter(text="张三")).rows
    assert not search_roster(store, RosterFilter(text="张四")).rows
    assert [r.code for r in search_roster(store, RosterFilter(text="1391111")).rows] == ["FT-3"]
    with store._write_engine.begin() as conn:
        rebuild_person_fts(conn)
    assert _raw(path, terms) == kept
    assert {r[1] for r in kept} == {
        r[0] for r in _raw(path, "SELECT rowid FROM person WHERE deleted = 0")
    }


@pytest.mark.parametrize("count", [0, 1, 2, 5000])
def test_a_list_of_ids_goes_into_sql_as_stored(count: int) -> None:
    """The due list's lists of ids (two parameters: the 16-byte ids in one BLOB, the
    others as JSON) give back every id as stored, whatever their number."""
    uuids = [str(uuid.UUID(int=n * 7919 + 1)) for n in range(count)]
    ids = [*uuids, *ODD_IDS[: min(count, len(ODD_IDS))]]
    conn = sqlite3.connect(":memory:")
    try:
        found = conn.execute(id_set("x"), id_params("x", ids)).fetchall()
    finally:
        conn.close()
    assert [decode_id(v) for (v,) in found] == ids
    assert {type(v) for (v,) in found} <= {bytes, str}
