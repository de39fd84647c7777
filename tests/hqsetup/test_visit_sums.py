"""What HQ keeps of the visits' sums (``fieldkit.hq.projection.summary``) is always what a
recomputation from the visits gives.

Changes are written at HQ through the real write path (``write_at_hq`` with the push
hook, as a push does) on SQLite and PostgreSQL: visits added (two at the same latest
time both owing a follow-up, a visit in the last second of a quarter), then corrected
(money, time into the next quarter), voided, moved to another person, a death
recorded and a person moved to another site. After each step the four tables hold
exactly the rows ``refill`` makes from scratch (the persons reached per quarter and
site too), and the hand-worked ones; the
migration that adds them fills them with those same rows; the console's care facts
read from them equal those grouped from the visits, also for a day before a later
visit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from fieldkit.console import projected
from fieldkit.domain.models import Person, PersonEvent, Site, Visit
from fieldkit.domain.vocab import Confirmation, EventKind, SiteKind, VisitReason
from fieldkit.hq.projection import migrate_projection
from fieldkit.hq.projection import tables as p
from fieldkit.hq.projection.migrate import CHAIN
from fieldkit.hq.projection.summary import refill
from fieldkit.hq.writes import HqEdit, wire_row, write_edits
from sync.server.db import make_engine, migrate, write_begin
from tests.support.databases import database_urls
from tests.support.store_revisions import projection_down_to

SUMS = (p.visit_summary, p.visit_day, p.visit_quarter, p.visit_reach, p.visit_reach_site)
IDS = {name: f"0190{i:04d}-0000-7000-8000-000000000000" for i, name in enumerate(
    ["A", "B", "p1", "p2", "p3", "v1", "v2", "v3", "v4", "v5", "e1"])}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with database_urls(request.param, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        migrate_projection(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def _write(engine: Engine, *edits: HqEdit) -> None:
    with write_begin(engine) as conn:
        write_edits(conn, list(edits))


def _new(obj: Any) -> HqEdit:
    return HqEdit(obj.__tablename__, obj.id, wire_row(obj))


def _change(tbl: str, name: str, **data: Any) -> HqEdit:
    return HqEdit(tbl, IDS[name], data)


def _sums(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in SUMS}


def _recomputed(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The four tables as ``refill`` makes them from the visits (rolled back)."""
    with engine.connect() as conn, conn.begin() as tx:
        refill(conn)
        found = {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in SUMS}
        tx.rollback()
    return found


def _kept_equals_recomputed(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    kept = _sums(engine)
    assert kept == _recomputed(engine)
    return kept


def _visit(name: str, person: str, site: str, at: datetime, reason: VisitReason,
           **more: Any) -> Visit:  # fmt: skip
    return Visit(id=IDS[name], person_id=IDS[person], site_id=IDS[site], visited_at=at,
                 reason=reason, **more)  # fmt: skip


def _county(engine: Engine) -> None:
    _write(
        engine,
        _new(Site(id=IDS["A"], name="幸福安置点", kind=SiteKind.RELOCATION)),
        _new(Site(id=IDS["B"], name="石桥村", kind=SiteKind.VILLAGE)),
        *(
            _new(Person(id=IDS[n], code=n.upper(), name=n, site_id=IDS[s]))
            for n, s in (("p1", "A"), ("p2", "A"), ("p3", "B"))
        ),
        _new(_visit("v1", "p1", "A", datetime(2026, 7, 2, 9), VisitReason.ROUTINE,
                    money_fen=5000, confirmation=Confirmation.QR)),
        _new(_visit("v2", "p1", "A", datetime(2026, 8, 15, 10), VisitReason.FESTIVAL,
                    goods="rice", follow_up="bring forms", follow_up_due=date(2026, 8, 30))),
        _new(_visit("v3", "p1", "A", datetime(2026, 8, 15, 10), VisitReason.HOSPITAL,
                    follow_up="call the ward")),
        _new(_visit("v4", "p2", "A", datetime(2026, 10, 1, 8), VisitReason.BIRTHDAY)),
        _new(_visit("v5", "p3", "B", datetime(2026, 9, 30, 23, 59, 59), VisitReason.ROUTINE,
                    money_fen=100)),
    )  # fmt: skip


def _summary(engine: Engine, person: str) -> dict[str, Any]:
    s = p.visit_summary.c
    with engine.connect() as conn:
        row = conn.execute(select(p.visit_summary).where(s.person_id == IDS[person])).first()
    return {} if row is None else dict(row._mapping)


def test_the_sums_follow_every_write_and_equal_a_recomputation(hq: Engine) -> None:
    _county(hq)
    kept = _kept_equals_recomputed(hq)
    one = _summary(hq, "p1")
    assert one["last_at"] == datetime(2026, 8, 15, 10)
    assert (one["follow_up_id"], one["follow_up_text"]) == (IDS["v3"], "call the ward")
    assert one["follow_up_due"] is None, "of two owed at the latest time, the greater id"
    assert one["festival_at"] == one["hospital_at"] == datetime(2026, 8, 15, 10)
    assert one["birthday_at"] is None
    assert kept["report_visit_day"] == sorted([
        (date(2026, 7, 2), IDS["A"], 1, 5000), (date(2026, 8, 15), IDS["A"], 2, 0),
        (date(2026, 9, 30), IDS["B"], 1, 100), (date(2026, 10, 1), IDS["A"], 1, 0),
    ])  # fmt: skip
    assert kept["report_visit_quarter"] == sorted([
        ("2026Q3", IDS["A"], "routine", 1, 1, 5000, 0),
        ("2026Q3", IDS["A"], "festival", 1, 0, 0, 1),
        ("2026Q3", IDS["A"], "hospital", 1, 0, 0, 0),
        ("2026Q3", IDS["B"], "routine", 1, 0, 100, 0),
        ("2026Q4", IDS["A"], "birthday", 1, 0, 0, 0),
    ])  # fmt: skip
    assert kept["report_visit_reach"] == sorted([
        ("2026Q3", IDS["A"], IDS["p1"], 3, 2), ("2026Q3", IDS["B"], IDS["p3"], 1, 1),
        ("2026Q4", IDS["A"], IDS["p2"], 1, 0),
    ])  # fmt: skip
    assert kept["report_visit_reach_site"] == sorted([
        ("2026Q3", IDS["A"], 1, 1), ("2026Q3", IDS["B"], 1, 1), ("2026Q4", IDS["A"], 1, 0),
    ])  # fmt: skip

    # corrected: the money alone (no summary made again), then the follow-up's text alone
    _write(hq, _change("visit", "v5", money_fen=700))
    kept = _kept_equals_recomputed(hq)
    assert ("2026Q3", IDS["B"], "routine", 1, 0, 700, 0) in kept["report_visit_quarter"]
    _write(hq, _change("visit", "v3", follow_up="call the nurse"))
    _kept_equals_recomputed(hq)
    assert _summary(hq, "p1")["follow_up_text"] == "call the nurse"
    # corrected: no money, and later (into the next quarter)
    _write(hq, _change("visit", "v1", money_fen=0, visited_at="2026-10-05T09:00:00"))
    kept = _kept_equals_recomputed(hq)
    one = _summary(hq, "p1")
    assert (one["last_at"], one["follow_up_id"]) == (datetime(2026, 10, 5, 9), None)
    assert ("2026Q3", IDS["A"], "routine", 1, 1, 5000, 0) not in kept["report_visit_quarter"]
    assert ("2026Q4", IDS["A"], IDS["p1"], 1, 0) in kept["report_visit_reach"]
    assert ("2026Q4", IDS["A"], 2, 0) in kept["report_visit_reach_site"], "p1 and p2"
    # voided, then moved to another person
    _write(hq, _change("visit", "v1", deleted=True))
    _write(hq, _change("visit", "v4", person_id=IDS["p1"]))
    kept = _kept_equals_recomputed(hq)
    one = _summary(hq, "p1")
    assert (one["last_at"], one["birthday_at"]) == (datetime(2026, 10, 1, 8),) * 2
    assert _summary(hq, "p2") == {}, "no visit left"
    assert (date(2026, 7, 2), IDS["A"], 1, 5000) not in kept["report_visit_day"]
    assert ("2026Q4", IDS["A"], 1, 0) in kept["report_visit_reach_site"], "p1 alone"
    # a death, and a person moved to another site with her history
    death = PersonEvent(id=IDS["e1"], person_id=IDS["p2"], site_id=IDS["A"],
                        kind=EventKind.DECEASED, happened_on=date(2026, 11, 2))  # fmt: skip
    _write(hq, _new(death))
    _write(hq, _change("person", "p3", site_id=IDS["A"]))
    kept = _kept_equals_recomputed(hq)
    assert ("2026Q3", IDS["A"], IDS["p3"], 1, 1) in kept["report_visit_reach"]
    assert [r for r in kept["report_visit_reach_site"] if r[0] == "2026Q3"] == [
        ("2026Q3", IDS["A"], 2, 2)
    ]
    assert not [row for row in kept["report_visit_quarter"] if row[1] == IDS["B"]]

    # the migration that adds the tables fills them with the same rows
    projection_down_to(hq, "h0002")
    assert CHAIN.current_revision(hq) == "h0002"
    migrate_projection(hq)
    assert _sums(hq) == kept


def test_the_consoles_care_facts_read_the_summaries(hq: Engine) -> None:
    _county(hq)
    with hq.connect() as conn:
        facts = {f.person_id: f for f in projected.care_facts(conn, date(2026, 12, 1), []).persons}
        before = projected.care_facts(conn, date(2026, 8, 20), []).persons
        grouped = projected._latest_visits(conn, datetime(2026, 12, 2), None)
    one = facts[IDS["p1"]]
    assert one.last_visit == date(2026, 8, 15)
    assert [(f.text, f.recorded_on, f.due) for f in one.follow_ups] == [
        ("call the ward", date(2026, 8, 15), None)
    ]
    assert one.last_by_reason == {VisitReason.FESTIVAL: date(2026, 8, 15),
                                  VisitReason.HOSPITAL: date(2026, 8, 15)}  # fmt: skip
    assert {pid: f.last_visit for pid, f in facts.items()} == {
        pid: seen[1][0] for pid, seen in grouped.items()
    }
    # on a day before p2's visit (read from her visits, not her summary): none yet
    on_the_day = {f.person_id: f for f in before}
    assert on_the_day[IDS["p2"]].last_visit is None
    assert on_the_day[IDS["p1"]].follow_ups == one.follow_ups
