"""The roster's bulk writer stores what the ORM and its flush hook would, byte for byte."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.importing import import_roster
from fieldkit.paths import sample_data_dir
from fieldkit.store import Store

TODAY = date(2026, 11, 21)


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return [tuple(row) for row in conn.execute(sql)]


def test_imported_persons_and_their_outbox_entries_equal_the_orms(
    empty_store: Store, tmp_path: Path
) -> None:
    import_roster(empty_store, sample_data_dir() / "roster.csv", today=TODAY)
    with empty_store.read() as s:
        sites = list(s.exec(select(Site)))
        persons = list(s.exec(select(Person)))
        s.expunge_all()
    assert len(persons) == 300
    by_orm = Store(tmp_path / "orm.db")
    try:
        with by_orm.write() as s:
            for site in sites:
                s.add(Site(**site.model_dump()))
            s.flush()
            for person in persons:
                s.add(Person(**person.model_dump()))
        every_column = "SELECT * FROM person ORDER BY id"
        assert _rows(by_orm.path, every_column) == _rows(empty_store.path, every_column)
        queued = "SELECT tbl, row_id, data, seen_rev, state FROM outbox ORDER BY tbl, row_id"
        assert _rows(by_orm.path, queued) == _rows(empty_store.path, queued)
        keys = "SELECT key, sort, person FROM person_search_key ORDER BY key, person"
        assert _rows(by_orm.path, keys) == _rows(empty_store.path, keys)
    finally:
        by_orm.close()
