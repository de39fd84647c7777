"""The sums of the report rows HQ keeps (``report_replay_sum``) are always what adding
up every kept row from scratch gives, and a report read from them equals the replay
of everyone.

The county of ``test_visit_sums`` (sites A, a relocation site, and B; p1 and p2 at A,
p3 at B) is written at HQ through the real write path (``write_at_hq`` with the push
hook) on SQLite and PostgreSQL, and a 2026Q3 report over every site is made after
each change: a visit added, a visit corrected (money), voided, moved to another
person, a death and a person moved to another site. After each report the sums equal
the ``GROUP BY`` of ``report_replay`` (``refill_replay_sums``, rolled back) and the
hand-worked groups, and the report equals one that replays everyone and keeps
nothing. On PostgreSQL every report after the first reads the sums through the mark
(checked). A report under another policy replaces the rows and their sums. The
migration that adds the table fills it with the same rows; a rebuild empties it with
the kept rows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from fieldkit.domain.careplan import Policy, default_policy
from fieldkit.domain.models import PersonEvent, Visit
from fieldkit.domain.vocab import EventKind, VisitReason
from fieldkit.hq.projection import migrate_projection, rebuild_projection
from fieldkit.hq.projection.kept import refill_replay_sums, replay_sum
from fieldkit.hq.report_source import HqSource, _Mark
from fieldkit.hq.writes import HqEdit
from fieldkit.reports import QuarterlyReport, build_report, parse_quarter
from fieldkit.reports.kept import replay_key
from sync.server.db import read_snapshot, write_begin
from tests.hqsetup.test_visit_sums import IDS, _change, _county, _new, _write, hq
from tests.support.store_revisions import projection_down_to

__all__ = ["hq"]

Q3 = parse_quarter("2026Q3")
DAY = date(2026, 12, 1)
KEY = replay_key(default_policy())
V9 = "01900099-0000-7000-8000-000000000000"


def _report(
    engine: Engine, *, exact: bool = False, policy: Policy | None = None
) -> QuarterlyReport:
    with read_snapshot(engine) as conn, conn.begin():
        source = HqSource(conn, engine)
        return build_report(source, Q3, made_on=DAY, exact_replay=exact, policy=policy)


def _marked(engine: Engine) -> bool:
    """Whether the next report reads the sums (a usable mark: PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return False
    with read_snapshot(engine) as conn, conn.begin():
        return _Mark.read(conn, Q3, KEY).since is not None


def _sums(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(replay_sum)))


def _recomputed(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn, conn.begin() as tx:
        refill_replay_sums(conn)
        found = sorted(tuple(r) for r in conn.execute(select(replay_sum)))
        tx.rollback()
    return found


def _groups(engine: Engine) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(site name, relocation) -> (persons, served, deceased) of the quarter's sums."""
    names = {IDS["A"]: "A", IDS["B"]: "B"}
    return {
        (names[row[2]], row[3]): (row[6], row[7], row[10])
        for row in _sums(engine)
        if row[:2] == (str(Q3), KEY)
    }


def _reported_equals_replay(engine: Engine) -> dict[tuple[str, int], tuple[int, int, int]]:
    """Make the report (through the mark after the first on PostgreSQL) and check it, and
    the sums, against the replay of everyone and a recomputation."""
    marked = _marked(engine)
    assert marked == (engine.dialect.name == "postgresql")
    made = _report(engine)
    assert made == _report(engine, exact=True)
    assert _sums(engine) == _recomputed(engine)
    return _groups(engine)


def test_the_kept_sums_follow_every_change_and_equal_a_recomputation(hq: Engine) -> None:
    _county(hq)
    first = _report(hq)
    assert first == _report(hq, exact=True)
    assert _sums(hq) == _recomputed(hq)
    # the persons of the quarter, at the relocation site A (flag 1) and the village B
    assert _groups(hq) == {("A", 1): (2, 2, 0), ("B", 0): (1, 1, 0)}

    # a visit added for p2 in the quarter
    added = Visit(id=V9, person_id=IDS["p2"], site_id=IDS["A"], visited_at=datetime(2026, 9, 1, 9),
                  reason=VisitReason.ROUTINE)  # fmt: skip
    _write(hq, _new(added))
    assert _reported_equals_replay(hq) == {("A", 1): (2, 2, 0), ("B", 0): (1, 1, 0)}
    # corrected (more money), voided, and a visit moved from p2 to p1
    _write(hq, _change("visit", "v5", money_fen=900))
    assert _reported_equals_replay(hq) == {("A", 1): (2, 2, 0), ("B", 0): (1, 1, 0)}
    _write(hq, HqEdit("visit", V9, {"deleted": True}))
    _reported_equals_replay(hq)
    _write(hq, _change("visit", "v4", person_id=IDS["p1"]))
    _reported_equals_replay(hq)
    # p2 died in the quarter
    death = PersonEvent(id=IDS["e1"], person_id=IDS["p2"], site_id=IDS["A"],
                        kind=EventKind.DECEASED, happened_on=date(2026, 8, 20))  # fmt: skip
    _write(hq, _new(death))
    assert _reported_equals_replay(hq) == {("A", 1): (2, 2, 1), ("B", 0): (1, 1, 0)}
    # p3 moved to A with her history: B's group is gone
    _write(hq, _change("person", "p3", site_id=IDS["A"]))
    assert _reported_equals_replay(hq) == {("A", 1): (3, 3, 1)}
    kept = _sums(hq)

    # a report under another policy replaces the quarter's rows and their sums
    other = replace(default_policy(), upcoming_days=default_policy().upcoming_days + 3)
    assert _report(hq, policy=other) == _report(hq, policy=other, exact=True)
    assert {row[1] for row in _sums(hq)} == {replay_key(other)}
    assert _sums(hq) == _recomputed(hq)
    assert _report(hq) == _report(hq, exact=True)
    assert _sums(hq) == kept

    # the migration that adds the table fills it with the same rows
    projection_down_to(hq, "h0004")
    migrate_projection(hq)
    assert _sums(hq) == kept
    # a rebuild drops the kept rows and their sums; the next report makes both again
    with write_begin(hq) as conn:
        rebuild_projection(conn)
    assert _sums(hq) == []
    assert _report(hq) == _report(hq, exact=True)
    assert _sums(hq) == kept
