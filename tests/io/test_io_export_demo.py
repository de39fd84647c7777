"""Export to JSON Lines and back, and the demo store built from sample_data/."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from fieldkit.demo import build_demo_store
from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    EventKind,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.exporting import ExportFormatError, export_jsonl, load_jsonl, read_jsonl
from fieldkit.paths import sample_data_dir
from fieldkit.store import Store
from tests.io.io_helpers import counts


def _column(path: Path, sql: str) -> list[Any]:
    """One column of a query on the SQLite file, as SQLite's own values (int, str, None)."""
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute(sql)]


def test_demo_store_export_reproduces_the_shipped_file(demo_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    export_jsonl(demo_store, out)
    assert out.read_bytes() == (sample_data_dir() / "demo.jsonl").read_bytes()


def test_demo_store_has_no_outbox_and_has_search_keys(demo_store: Store) -> None:
    stored = counts(demo_store.path)
    assert stored["outbox"] == 0, "demo data is never pushed to HQ"
    assert stored["person"] == 300
    assert stored["site"] >= 3
    assert _column(demo_store.path, "SELECT count(*) FROM person WHERE search_full = ''") == [0]
    with demo_store.read() as s:
        zhang = s.exec(select(Person).where(Person.search_initials.startswith("z"))).first()
        assert zhang is not None
        assert zhang.search_full.startswith("z")


def test_demo_county_is_realistic(demo_store: Store) -> None:
    path = demo_store.path
    kinds = set(_column(path, "SELECT kind FROM site"))
    assert {"relocation", "community", "village"} <= kinds
    assert set(_column(path, "SELECT DISTINCT category FROM person")) == {c.value for c in Category}
    assert set(_column(path, "SELECT DISTINCT tier FROM person")) == {t.value for t in Tier}
    assert set(_column(path, "SELECT DISTINCT status FROM person")) == {s.value for s in Status}
    assert set(_column(path, "SELECT DISTINCT reason FROM visit")) == {r.value for r in VisitReason}
    assert set(_column(path, "SELECT DISTINCT topic FROM consultation")) == {
        t.value for t in ConsultTopic
    }
    assert set(_column(path, "SELECT DISTINCT kind FROM service_activity")) == {
        k.value for k in ActivityKind
    }
    assert (
        {"deceased", "hospitalised", "moved"}
        <= set(_column(path, "SELECT DISTINCT kind FROM person_event"))
        <= {k.value for k in EventKind}
    )
    # every deceased person has the event, and every person has a named contact
    assert _column(
        path,
        "SELECT count(*) FROM person p WHERE status = 'deceased' AND NOT EXISTS "
        "(SELECT 1 FROM person_event e WHERE e.person_id = p.id AND e.kind = 'deceased')",
    ) == [0]
    assert _column(path, "SELECT count(*) FROM person WHERE contact_id IS NULL") == [0]
    assert _column(path, "SELECT count(*) FROM volunteer_team") == [2]
    assert min(_column(path, "SELECT count(*) FROM team_member GROUP BY team_id")) >= 8
    # 离休 are very old; 50-year party members exist; walk-in consultations exist
    births = _column(path, "SELECT birth_date FROM person WHERE category = 'lixiu'")
    assert births
    assert max(births) < "1932-01-01"
    assert _column(path, "SELECT count(*) FROM person WHERE party_year <= 1976")[0] > 10
    assert _column(path, "SELECT count(*) FROM consultation WHERE person_id IS NULL")[0] > 10
    # codes are short and sequential
    codes = _column(path, "SELECT code FROM person ORDER BY code")
    assert codes[0] == "GL-0001"
    assert codes[-1] == "GL-0300"
    # festival money is between 200 and 2000 yuan, and festival visits come before festivals
    with demo_store.read() as s:
        festival = s.exec(select(Visit).where(Visit.reason == VisitReason.FESTIVAL)).all()
        assert festival
        assert all(20_000 <= v.money_fen <= 200_000 for v in festival)
        months = Counter(v.visited_at.month for v in festival)
        assert months[2] + months[1] > 0
        assert months[6] > 0
        assert months[9] + months[10] > 0
        dates = [v.visited_at.date() for v in s.exec(select(Visit)).all()]
        assert min(dates) >= date(2025, 11, 1)
        assert max(dates) <= date(2026, 10, 31)
        relocation = s.exec(select(Site).where(Site.kind == "relocation")).first()
        assert relocation is not None


def test_round_trip_of_a_changed_store(demo_store: Store, tmp_path: Path) -> None:
    with demo_store.write() as s:
        person = s.exec(select(Person).where(Person.code == "GL-0001")).one()
        person.phone = "13000000000"
        person.deleted = True  # a tombstone travels too
    first = tmp_path / "first.jsonl"
    export_jsonl(demo_store, first)
    copy = Store(tmp_path / "copy.db")
    loaded = load_jsonl(copy, first)
    assert loaded["person"] == 300
    assert counts(copy.path)["outbox"] == 0
    second = tmp_path / "second.jsonl"
    export_jsonl(copy, second)
    assert first.read_bytes() == second.read_bytes()
    record = next(
        json.loads(line) for line in first.read_text().splitlines() if '"GL-0001"' in line
    )
    assert record["type"] == "person"
    assert record["deleted"] is True
    assert "search_full" not in record
    copy.close()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (['{"type": "person"}'], "line 1: expected the header"),
        (['{"type": "fieldkit-export", "version": 9}'], "version 9 is not supported"),
        (['{"type": "fieldkit-export", "version": 1}', "{not json"], "line 2: not JSON"),
        (['{"type": "fieldkit-export", "version": 1}', '{"type": "cat", "id": "1"}'],
         "line 2: unknown type 'cat'"),
        (['{"type": "fieldkit-export", "version": 1}', '{"type": "site", "id": "1", "x": 1}'],
         "line 2: site has no field 'x'"),
        (['{"type": "fieldkit-export", "version": 1}',
          '{"type": "visit", "id": "1", "visited_at": "yesterday"}'], "line 2:"),
    ],
)  # fmt: skip
def test_bad_export_files(tmp_path: Path, lines: list[str], expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match=expected.replace("(", r"\(")):
        read_jsonl(path)


def test_loading_twice_writes_nothing_the_second_time(demo_store: Store) -> None:
    before = counts(demo_store.path)
    with pytest.raises(ExportFormatError, match="does not fit this store"):
        load_jsonl(demo_store, sample_data_dir() / "demo.jsonl")
    assert counts(demo_store.path) == before


def test_build_demo_store_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_text("")
    with pytest.raises(FileExistsError):
        build_demo_store(path)
