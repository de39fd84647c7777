"""The roster's bulk writer stores what the ORM and its flush hook would, byte for byte."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.importing import ImportRejected, import_roster
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


def _indexes(path: Path) -> list[tuple[object, ...]]:
    return _rows(path, "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")


def test_a_big_roster_is_written_with_the_indexes_made_after_it(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldkit.importing.roster as roster
    import fieldkit.importing.roster_write as roster_write

    usual = Store(tmp_path / "usual.db")
    try:
        import_roster(usual, sample_data_dir() / "roster.csv", today=TODAY)
        indexes = _indexes(usual.path)
        # 300 rows in chunks of 50 count as a big roster: the indexes are paused
        monkeypatch.setattr(roster, "CHUNK_ROWS", 50)
        monkeypatch.setattr(roster_write, "BULK_MIN_ROWS", 0)
        dropped: list[str] = []
        expect = roster_write.RosterWriter.expect

        def watched(writer: roster_write.RosterWriter, rows: int) -> None:
            expect(writer, rows)
            dropped.extend(writer._paused_indexes)

        monkeypatch.setattr(roster_write.RosterWriter, "expect", watched)
        report = import_roster(empty_store, sample_data_dir() / "roster.csv", today=TODAY)
        assert report.new == 300
        assert len(dropped) >= 5, "person's secondary indexes were dropped while writing"
        assert _indexes(empty_store.path) == indexes
        columns = "SELECT code, name, search_full, search_initials, birth_date FROM person"
        assert sorted(_rows(empty_store.path, columns)) == sorted(_rows(usual.path, columns))
        keys = (
            "SELECT key, sort, p.code FROM person_search_key k JOIN person p ON p.rowid = k.person"
        )
        assert sorted(_rows(empty_store.path, keys)) == sorted(_rows(usual.path, keys))
        assert len(_rows(empty_store.path, keys)) > 300
        summary = (
            "SELECT p.code, s.tier, t.name, s.last_at, s.follow_up_owed, s.follow_up,"
            " s.follow_up_due, s.festival_at, s.hospital_at, s.birthday_at, s.misfortune_at,"
            " s.condolence_at FROM visit_summary s JOIN person p ON p.id = s.person_id"
            " JOIN site t ON t.id = s.site_id"
        )
        assert sorted(_rows(empty_store.path, summary)) == sorted(_rows(usual.path, summary))
        assert len(_rows(empty_store.path, summary)) == 300
        triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        assert _rows(empty_store.path, triggers) == _rows(usual.path, triggers)
        with sqlite3.connect(empty_store.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        usual.close()


def test_a_refused_big_roster_leaves_the_indexes_and_writes_nothing(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldkit.importing.roster as roster
    import fieldkit.importing.roster_write as roster_write

    indexes = _indexes(empty_store.path)
    monkeypatch.setattr(roster, "CHUNK_ROWS", 50)
    monkeypatch.setattr(roster_write, "BULK_MIN_ROWS", 0)
    lines = (sample_data_dir() / "roster.csv").read_text(encoding="utf-8-sig").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines, "GL-0999,,男,1950-01-01,退休,,松林村"]) + "\n")
    with pytest.raises(ImportRejected):
        import_roster(empty_store, bad, today=TODAY)
    assert _indexes(empty_store.path) == indexes
    assert _rows(empty_store.path, "SELECT count(*) FROM person") == [(0,)]
    for name in ("trg_person_key_insert", "trg_visit_summary_person_insert"):
        trigger = f"SELECT name FROM sqlite_master WHERE name = '{name}'"
        assert _rows(empty_store.path, trigger) == [(name,)]
    assert _rows(empty_store.path, "SELECT count(*) FROM visit_summary") == [(0,)]
