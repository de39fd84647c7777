"""The quarterly tables at HQ: over every synced record, equal to the laptops' own.

The hand-worked county of the report tests (``tests/reports/report_county.py``:
a visit in the last second of the quarter, a death and a move mid-quarter, a
voided and a corrected visit, tombstoned files) is made on an admin laptop and
synced to a real ``fieldkit serve`` on SQLite and on PostgreSQL; a staff laptop
per site then pulls its site. HQ's report (``HqSource`` over the projection kept
in the push transaction) must equal the admin laptop's report, and each of its
site rows the staff laptop's report of that site; the sums of the laptops' site
reports are HQ's totals. Rebuilding the projection from ``sync_record`` gives
exactly the rows the pushes kept. The care-plan figures HQ keeps per person and
quarter are replayed again for exactly the persons later pushes touched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fieldkit.domain.models import Person, Visit
from fieldkit.hq.projection import tables as projection
from fieldkit.hq.report_source import HqSource, hq_source
from fieldkit.reports import QuarterlyReport, StoreSource, build_report, parse_quarter
from fieldkit.reports.model import (
    ActivitiesRow,
    ConsultationsRow,
    MoneyRow,
    PersonsRow,
    VisitsRow,
)
from fieldkit.store import Store
from fieldkit.store.records import VisitInput, record_visit
from sync.server.db import make_engine
from tests.reports.report_county import County, Watching, build_county, site_of
from tests.support.hq_process import Hq, run_cli
from tests.support.stored_ids import as_text

DAY = date(2027, 1, 5)
Q4 = parse_quarter("2026Q4")
SITES = {"幸福安置点": "site_A", "石桥村": "site_B", "河东社区": "site_C"}
"""The county's live sites: name -> its key in ``County.ids``."""


def _enrolled(hq: Hq, path: Path, user: str, *role: str) -> Path:
    hq.admin("add-user", user, "--role", *role)
    run_cli("--db", str(path), "enroll", hq.url, hq.enroll_code(user))
    return path


def _sync(path: Path) -> None:
    run_cli("--db", str(path), "sync")


def _report(path: Path, site_id: str | None = None) -> QuarterlyReport:
    store = Store(path)
    try:
        return build_report(StoreSource(store), Q4, site_id=site_id, made_on=DAY)
    finally:
        store.close()


def _hq_report(url: str, site_id: str | None = None) -> QuarterlyReport:
    with hq_source(url) as source:
        return build_report(source, Q4, site_id=site_id, made_on=DAY)


def _projection(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(tuple(row) for row in conn.execute(select(table)))
                for table in projection.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _laptop_visits(path: Path) -> dict[str, tuple[datetime, bool, int]]:
    """Id -> (time, scanned, fen) of the live visits of a laptop."""
    with sqlite3.connect(path) as conn:
        rows = as_text(
            conn.execute(
                "SELECT id, visited_at, confirmation = 'qr', money_fen FROM visit WHERE NOT deleted"
            )
        )
    return {i: (datetime.fromisoformat(at), bool(qr), fen) for i, at, qr, fen in rows}


def _laptop_persons(path: Path) -> dict[str, tuple[str, str]]:
    """Id -> (code, site id) of the live persons of a laptop."""
    with sqlite3.connect(path) as conn:
        rows = as_text(conn.execute("SELECT id, code, site_id FROM person WHERE NOT deleted"))
    return {i: (code, site) for i, code, site in rows}


@pytest.fixture
def synced(empty_hq_url: str, tmp_path: Path) -> Iterator[tuple[Hq, County, dict[str, Path]]]:
    """HQ holding the county from its admin laptop, and a synced staff laptop per site."""
    county = build_county(tmp_path / "admin.db")
    county.store.close()
    hq = Hq(empty_hq_url)
    try:
        admin = _enrolled(hq, tmp_path / "admin.db", "局机关", "admin")
        _sync(admin)
        laptops = {"admin": admin}
        for i, site in enumerate(SITES):
            path = tmp_path / f"staff{i}.db"
            laptops[site] = _enrolled(hq, path, f"staff{i}", "staff", "--sites", site)
            _sync(path)
        yield hq, county, laptops
    finally:
        hq.stop()


def test_the_hq_report_is_the_sum_of_the_laptops_site_reports(
    synced: tuple[Hq, County, dict[str, Path]],
) -> None:
    hq, county, laptops = synced
    whole = _hq_report(hq.database_url)
    assert whole == _report(laptops["admin"]), "HQ and the admin laptop see the same county"
    assert whole.care_by_site.total.outcomes.due == 22
    assert whole.money.total.fen == 50050 + 12000 + 100000 + 20000 + 25050 + 20000 + 10000
    parts = [_report(laptops[site], county[key]) for site, key in SITES.items()]
    assert [site_of(row).name for row in whole.persons.rows] == ["河东社区", "石桥村", "幸福安置点"]
    by_site = {part.site.name: part for part in parts if part.site is not None}
    for i, row in enumerate(whole.persons.rows):
        part = by_site[site_of(row).name]
        assert part.persons.rows == (row,)
        assert part.visits.rows == (whole.visits.rows[i],)
        assert part.money.rows == (whole.money.rows[i],)
        assert part.care_by_site.rows == (whole.care_by_site.rows[i],)
        assert part.consultations.rows == (whole.consultations.rows[i],)
        assert _hq_report(hq.database_url, county[SITES[site_of(row).name]]) == part
    assert PersonsRow.sum(p.persons.total for p in parts) == whole.persons.total
    assert VisitsRow.sum(p.visits.total for p in parts) == whole.visits.total
    assert MoneyRow.sum(p.money.total for p in parts) == whole.money.total
    assert ConsultationsRow.sum(p.consultations.total for p in parts) == (whole.consultations.total)
    assert ActivitiesRow.sum(p.activities.total for p in parts) == whole.activities.total
    in_order = [by_site[site_of(row).name] for row in whole.persons.rows]
    assert [u for p in in_order for u in p.unvisited] == list(whole.unvisited)
    assert {u.name for u in whole.unvisited} == {"李四", "孔十一"}


def _later_edits(county: County, admin: Path, staff_b: Path) -> str:
    """Edits after the first sync, over several pushes: B-1 moved to 幸福安置点 (her
    history follows her at HQ), a visit voided, another corrected, one added at 石桥村."""
    store = Store(admin)
    try:
        with store.write() as s:
            moved = s.get(Person, county["B-1"])
            voided = s.get(Visit, county["A-1 festival"])
            corrected = s.get(Visit, county["A-1 last second"])
            assert moved is not None
            assert voided is not None
            assert corrected is not None
            moved.site_id = county["site_A"]
            voided.deleted = True
            corrected.money_fen = 15000
            s.add_all([moved, voided, corrected])
    finally:
        store.close()
    store = Store(staff_b)
    try:
        added = record_visit(
            store, VisitInput(county["B-2"], datetime(2026, 11, 3, 9, 30), money_fen=3000)
        ).id
    finally:
        store.close()
    for laptop in (staff_b, admin, staff_b, admin):
        _sync(laptop)
    return added


def test_the_projection_kept_by_pushes_equals_its_rebuild(
    synced: tuple[Hq, County, dict[str, Path]],
) -> None:
    hq, county, laptops = synced
    added = _later_edits(county, laptops["admin"], laptops["石桥村"])
    kept = _projection(hq.database_url)
    visits = {row[0]: row[4:7] for row in kept["report_visit"]}
    assert visits == _laptop_visits(laptops["admin"])
    assert visits[county["A-1 last second"]] == (datetime(2026, 12, 31, 23, 59, 59), True, 15000)
    assert visits[added] == (datetime(2026, 11, 3, 9, 30), False, 3000)
    with sqlite3.connect(laptops["admin"]) as conn:
        voided = {row[0] for row in as_text(conn.execute("SELECT id FROM visit WHERE deleted"))}
    assert county["A-1 festival"] in voided
    assert not voided & set(visits)
    persons = {row[0]: (row[1], row[3]) for row in kept["report_person"]}
    assert persons == _laptop_persons(laptops["admin"])
    assert persons[county["B-1"]] == ("B-1", county["site_A"])
    sites_of_b1 = {row[2] for row in kept["report_visit"] if row[1] == county["B-1"]}
    assert sites_of_b1 == {county["site_A"]}, "her visits moved with her"
    out = hq.admin("rebuild-reports", "--lang", "en")
    assert f"visit {len(visits)}," in out
    assert f"person {len(persons)}," in out
    assert _projection(hq.database_url) == kept
    assert _hq_report(hq.database_url) == _report(laptops["admin"])


def test_the_report_command_at_hq_writes_the_admin_laptops_file(
    synced: tuple[Hq, County, dict[str, Path]], tmp_path: Path
) -> None:
    hq, _county, laptops = synced
    at_hq, on_laptop = tmp_path / "hq.csv", tmp_path / "laptop.csv"
    out = run_cli("report", "--quarter", "2026Q4", "--database-url", hq.database_url,
                  "--out", str(at_hq), "--lang", "en")  # fmt: skip
    assert "every site" in out
    run_cli("--db", str(laptops["admin"]), "report", "--quarter", "2026Q4", "--out",
            str(on_laptop))  # fmt: skip
    assert at_hq.read_bytes() == on_laptop.read_bytes()
    out = run_cli("report", "--quarter", "2026Q4", "--site", "石桥村", "--database-url",
                  hq.database_url, "--out", str(at_hq), "--lang", "en")  # fmt: skip
    assert "site 石桥村" in out


class _Watched(Watching, HqSource):
    """HQ's source remembering whom each report replayed."""


def _watched_report(url: str, **options: Any) -> tuple[QuarterlyReport, set[str]]:
    with hq_source(url) as plain:
        source = _Watched(plain.conn, plain.engine)
        report = build_report(source, Q4, made_on=DAY, **options)
        return report, getattr(source, "replayed", set())


def test_the_figures_hq_keeps_follow_later_pushes(
    synced: tuple[Hq, County, dict[str, Path]],
) -> None:
    hq, county, laptops = synced
    first, replayed = _watched_report(hq.database_url)
    assert len(replayed) == 9, "the first report at HQ replays every live person"
    assert _watched_report(hq.database_url) == (first, set()), "then nobody"
    _later_edits(county, laptops["admin"], laptops["石桥村"])
    for site in SITES:
        _sync(laptops[site])
    later, replayed = _watched_report(hq.database_url)
    # B-1 moved to 幸福安置点, A-1's visits voided and corrected, B-2 visited again
    assert replayed == {county["B-1"], county["A-1"], county["B-2"]}
    assert later != first
    assert later == _watched_report(hq.database_url, exact_replay=True)[0]
    assert later == _report(laptops["admin"]), "HQ and the admin laptop still agree"
    parts = {key: _report(laptops[site], county[key]) for site, key in SITES.items()}
    assert PersonsRow.sum(p.persons.total for p in parts.values()) == later.persons.total
    assert VisitsRow.sum(p.visits.total for p in parts.values()) == later.visits.total
    assert MoneyRow.sum(p.money.total for p in parts.values()) == later.money.total
    for row in later.care_by_site.rows:
        part = parts[SITES[site_of(row).name]]
        assert part.care_by_site.rows == (row,)
    out = hq.admin("rebuild-reports", "--lang", "en")
    assert "visit" in out
    rebuilt, replayed = _watched_report(hq.database_url)
    assert len(replayed) == 9, "a rebuild drops the kept figures"
    assert rebuilt == later
