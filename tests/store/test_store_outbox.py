"""The laptop store: migrations, durability, and the outbox written with every change."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import Tier
from fieldkit.store import Store, StoreError
from fieldkit.store.migrate import HEAD, current_revision
from tests.support.stored_ids import query


def _seed(store: Store) -> tuple[str, str]:
    with store.write() as s:
        site = Site(name="幸福安置点", county="示范县")
        person = Person(code="GL-0001", name="张三丰", site_id=site.id, tier=Tier.KEY)
        s.add(site)
        s.add(person)
    return site.id, person.id


def _outbox(path: Path) -> list[tuple[int, str, str, dict[str, object], str]]:
    rows = query(path, "SELECT seq, tbl, row_id, data, hlc FROM outbox ORDER BY seq")
    return [(seq, tbl, row_id, json.loads(data), hlc) for seq, tbl, row_id, data, hlc in rows]


def test_a_new_store_is_migrated_in_wal_mode_with_foreign_keys(store_path: Path) -> None:
    store = Store(store_path)
    assert current_revision(store.engine) == HEAD
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert len(store.device_id) == 36
    assert Store(store_path).device_id == store.device_id


def test_every_change_is_in_the_outbox_parents_first(store_path: Path) -> None:
    store = Store(store_path)
    site_id, person_id = _seed(store)
    with store.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.phone = "13800001111"
        s.add(
            Visit(
                person_id=person_id,
                site_id=site_id,
                visited_at=datetime(2026, 11, 1, 9, 30),
                money_fen=50_000,
            )
        )
    entries = _outbox(store_path)
    assert [e[1] for e in entries] == ["site", "person", "visit", "person"]
    assert entries[1][2] == person_id
    assert entries[1][3]["name"] == "张三丰"
    assert entries[1][3]["tier"] == "key"
    assert "search_full" not in entries[1][3]
    assert entries[2][3]["visited_at"] == "2026-11-01T09:30:00"
    assert entries[3][3] == {"phone": "13800001111"}
    stamps = [e[4] for e in entries]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert all(h.endswith(store.device_id) for h in stamps)


def test_search_keys_are_derived_and_follow_renames(store_path: Path) -> None:
    store = Store(store_path)
    _, person_id = _seed(store)
    with store.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert person.search_initials == "zsf"
        person.name = "李四"
    with store.read() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert person.search_full == "lisi"


def test_a_failed_transaction_writes_neither_row_nor_outbox(store_path: Path) -> None:
    store = Store(store_path)
    site_id, _ = _seed(store)
    before = len(_outbox(store_path))

    def add_then_fail() -> None:
        with store.write() as s:
            s.add(Person(code="GL-0002", name="王五", site_id=site_id))
            s.flush()
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        add_then_fail()
    assert len(_outbox(store_path)) == before
    with store.read() as s:
        assert s.exec(select(Person).where(Person.code == "GL-0002")).first() is None


def test_remote_writes_are_not_sent_back(store_path: Path) -> None:
    store = Store(store_path)
    with store.write(remote=True) as s:
        s.add(Site(name="远方村"))
    assert _outbox(store_path) == []


def test_synced_rows_are_tombstoned_not_deleted(store_path: Path) -> None:
    store = Store(store_path)
    _, person_id = _seed(store)

    def delete_person() -> None:
        with store.write() as s:
            s.delete(s.get(Person, person_id))

    with pytest.raises(StoreError, match="deleted=True"):
        delete_person()
    with store.read() as s:
        assert s.get(Person, person_id) is not None


def test_unchanged_assignment_writes_no_outbox_entry(store_path: Path) -> None:
    store = Store(store_path)
    _, person_id = _seed(store)
    before = len(_outbox(store_path))
    with store.write() as s:
        person = s.get(Person, person_id)
        assert person is not None
        person.tier = Tier.KEY  # same value
    assert len(_outbox(store_path)) == before


def test_saved_means_durable_across_a_new_process(store_path: Path) -> None:
    store = Store(store_path)
    _seed(store)
    # a different connection (as after a crash) sees the committed rows
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT name FROM person").fetchone() == ("张三丰",)
    assert sqlite3.connect(store_path).execute("PRAGMA synchronous").fetchone() is not None


def test_a_dangling_reference_rolls_the_whole_transaction_back(store_path: Path) -> None:
    store = Store(store_path)
    site_id, _ = _seed(store)
    before = len(_outbox(store_path))

    def add_with_dangling_visit() -> None:
        with store.write() as s:
            s.add(Person(code="GL-0009", name="赵六", site_id=site_id))
            s.add(
                Visit(person_id="no-such-person", site_id=site_id, visited_at=datetime(2026, 1, 1))
            )

    with pytest.raises(Exception, match="FOREIGN KEY"):
        add_with_dangling_visit()
    assert len(_outbox(store_path)) == before
    with store.read() as s:
        assert s.exec(select(Person).where(Person.code == "GL-0009")).first() is None


def test_many_threads_opening_a_new_store_migrate_it_once(store_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        stores = list(pool.map(lambda _: Store(store_path), range(6)))
    assert {s.device_id for s in stores} == {stores[0].device_id}
    assert current_revision(stores[0].engine) == HEAD


def test_an_old_store_is_upgraded_on_open(store_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from fieldkit.store.migrate import MIGRATIONS_DIR

    store = Store(store_path)
    _seed(store)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    store.close()
    assert current_revision(store.engine) == "0001"
    reopened = Store(store_path)
    assert current_revision(reopened.engine) == HEAD
    with reopened.read() as s:
        assert s.exec(select(Person)).one().name == "张三丰"


def test_migrations_build_exactly_the_tables_the_models_declare(store_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import fieldkit.store.replica  # noqa: F401  (registers the conflict-marker table)
    from fieldkit.store.migrate import include_object

    store = Store(store_path)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "render_as_batch": True}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree; write a new migration: {diff}"
