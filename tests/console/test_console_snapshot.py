"""The Overview's per-site figures read on a second connection in the page's snapshot.

On PostgreSQL the Overview reads the sites, the persons per site and the visits per
day on a second connection (``sync.server.db.snapshot_beside``: the page's snapshot
exported and imported) while the due list is made on the page's own. Here pushes
commit between the page's first read and those reads: the figures read beside are
those a single connection reads in the page's snapshot (none of the new persons,
visits or moves), the Overview shows them, and a new read sees the pushes. On SQLite
the figures are read on the page's connection (no second one).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, text

from fieldkit.console import figures
from fieldkit.domain.careplan import default_policy
from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import Category, SiteKind, Tier, VisitReason
from fieldkit.hq.writes import HqEdit, wire_row, write_edits
from sync.server.db import read_snapshot, snapshot_beside, write_begin

ON = date(2026, 11, 1)
QUARTER = figures.Quarter(2026, 4)
WEEKS = figures.weeks_of(QUARTER.start, QUARTER.end)


def _id(n: int) -> str:
    return f"01900000-{n:04d}-7000-8000-000000000000"


def _write(engine: Engine, objs: list[Any]) -> None:
    with write_begin(engine) as conn:
        write_edits(conn, [HqEdit(o.__tablename__, o.id, wire_row(o)) for o in objs])


def _person(n: int, site: str) -> Person:
    return Person(id=_id(n), code=f"c{n}", name=f"p{n}", site_id=site, tier=Tier.KEY,
                  category=Category.RETIRED)  # fmt: skip


def _visit(n: int, who: Person, at: datetime, money: int = 0) -> Visit:
    return Visit(id=_id(n), person_id=who.id, site_id=who.site_id, visited_at=at,
                 reason=VisitReason.ROUTINE, money_fen=money)  # fmt: skip


def test_figures_read_beside_see_the_pages_snapshot(hq_db: Engine) -> None:
    village, camp = _id(1), _id(2)
    first = [_person(10 + i, village if i % 2 else camp) for i in range(6)]
    _write(hq_db, [
        Site(id=village, name="石桥村", kind=SiteKind.VILLAGE),
        Site(id=camp, name="幸福安置点", kind=SiteKind.RELOCATION),
        *first,
        *(_visit(100 + i, p, datetime(2026, 10, 3 + i, 9), 500) for i, p in enumerate(first)),
    ])  # fmt: skip
    pg = hq_db.dialect.name == "postgresql"
    with read_snapshot(hq_db) as conn, conn.begin():
        before = figures._site_figures(conn, WEEKS)  # the page's snapshot starts here
        # pushes committed meanwhile: new persons, visits in the quarter, a site's name
        later = [_person(30 + i, village) for i in range(3)]
        _write(hq_db, [
            *later,
            *(_visit(200 + i, p, datetime(2026, 10, 20, 9), 700) for i, p in enumerate(later)),
            Site(id=camp, name="新安置点", kind=SiteKind.RELOCATION),
        ])  # fmt: skip
        with snapshot_beside(conn) as beside:
            assert (beside is not None) == pg
            if beside is not None:
                pid = "SELECT pg_backend_pid()"
                assert beside.execute(text(pid)).scalar() != conn.execute(text(pid)).scalar()
            read_beside = figures._site_figures(beside or conn, WEEKS)
        single = figures._site_figures(conn, WEEKS)
        figures.forget()
        shown = figures._overview(conn, ON, QUARTER, default_policy())
    with read_snapshot(hq_db) as conn, conn.begin():
        now = figures._site_figures(conn, WEEKS)

    assert read_beside == single == before
    sites, persons, _per_day = before
    assert [s.name for s in sites] == ["幸福安置点", "石桥村"]
    assert persons == {village: 3, camp: 3}
    lines = {line.site_id: line for line in shown.lines}
    assert [line.name for line in shown.lines] == ["幸福安置点", "石桥村"]
    assert {s: (line.persons, line.visits, line.money_fen) for s, line in lines.items()} == {
        village: (3, 3, 1500),
        camp: (3, 3, 1500),
    }
    # the pushes are there for a new read
    assert now != before
    assert now[1] == {village: 6, camp: 3}
    assert sorted(s.name for s in now[0]) == ["新安置点", "石桥村"]
