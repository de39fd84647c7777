"""The HQ server keeps the report's figures current itself (:mod:`fieldkit.hq.keeper`).

fieldkit's HQ (:func:`fieldkit.cli.hq.build_app`) is served by a real uvicorn on
127.0.0.1 with its lifespan, on SQLite and PostgreSQL; its clock says 2027-01-05, so
it keeps 2026Q4 (the quarter of the hand-worked county, ``tests/reports/report_county``)
and 2027Q1. The county is pushed from a real laptop store. The keeper's step is the
real one behind a gate the test opens, so the persons stale before a run can be read
while it waits; the test waits for the keeper by its completion signal
(:meth:`ReportKeeper.wait_idle`). After a run nobody is stale, the next report
replays nobody and equals the report that replays everyone and keeps nothing. Pushes
during a run make exactly one more run, never two at once; a failing run leaves the
server answering and the next push's run fills the rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from fieldkit.cli.hq import build_app
from fieldkit.domain.careplan import Policy, default_policy
from fieldkit.domain.models import Person, Visit
from fieldkit.hq.keep_reports import KeptQuarter, keep_report_rows, kept_quarters
from fieldkit.hq.keeper import ReportKeeper
from fieldkit.hq.projection import tables as projection
from fieldkit.hq.report_source import HqSource
from fieldkit.reports import QuarterlyReport, build_report, parse_quarter
from fieldkit.reports.kept import replay_key
from fieldkit.reports.quarter import Quarter
from fieldkit.store import Store
from fieldkit.store.records import VisitInput, record_visit
from fieldkit.syncing import enroll
from sync.server.db import read_snapshot
from tests.hq.hq_kit import code_for, new_user, ok
from tests.hqsetup.test_visit_sums import IDS, _county
from tests.hqsetup.test_visit_sums import hq as hq_engine
from tests.reports.report_county import County, Watching, build_county
from tests.support.hq_process import run_cli
from tests.support.server_thread import ServerThread

__all__ = ["hq_engine"]

CLOCK = date(2027, 1, 5)
Q4, Q1 = parse_quarter("2026Q4"), parse_quarter("2027Q1")
KEY = replay_key(default_policy())
WAIT = 120.0


class Gate:
    """The keeper's real step behind a gate; counts the calls and how many ran at once."""

    def __init__(self, *, open_: bool) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()
        self.calls: list[Quarter] = []
        self.inside = 0
        self.most = 0
        self.failing = False
        self._lock = threading.Lock()
        if open_:
            self.opened.set()

    def step(self, engine: Engine, quarter: Quarter, policy: Policy) -> KeptQuarter:
        with self._lock:
            self.calls.append(quarter)
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            self.entered.set()
            assert self.opened.wait(WAIT), "the test never opened the gate"
            if self.failing:
                raise RuntimeError("the keeper's step failed (on purpose)")
            return keep_report_rows(engine, quarter, policy)
        finally:
            with self._lock:
                self.inside -= 1


class _Watched(Watching, HqSource):
    """HQ's source remembering whom its report replayed."""


def _stale(engine: Engine, quarter: Quarter = Q4) -> set[str]:
    """The persons a report of ``quarter`` would replay now."""
    with read_snapshot(engine) as conn, conn.begin():
        return {s.person_id for s in HqSource(conn, engine).kept(quarter, KEY, None).stale}


def _live_persons(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(projection.person.c.id)).scalars())


def _report(engine: Engine, *, exact: bool = False) -> tuple[QuarterlyReport, set[str]]:
    """The 2026Q4 report (everyone replayed, nothing kept, for ``exact``), and whom it
    replayed."""
    with read_snapshot(engine) as conn, conn.begin():
        source = _Watched(conn, engine)
        made = build_report(source, Q4, made_on=CLOCK, exact_replay=exact)
        return made, getattr(source, "replayed", set())


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    """The hand-worked county on an admin laptop (not enrolled yet)."""
    made = build_county(tmp_path / "admin.db")
    try:
        yield made
    finally:
        made.store.close()


def _serve(url: str, gate: Gate) -> tuple[ServerThread, ReportKeeper]:
    hq = ServerThread(build_app(url, today=lambda: CLOCK, keep_step=gate.step), lifespan="on")
    keeper: ReportKeeper = hq.app.state.report_keeper
    return hq, keeper


def _ran(keeper: ReportKeeper, gate: Gate) -> None:
    """Let the keeper run what it was asked, and wait for it to be idle."""
    gate.opened.set()
    assert keeper.wait_idle(WAIT), "the keeper did not finish in time"
    gate.opened.clear()


def _push(hq: ServerThread, store: Store) -> None:
    """Enroll ``store`` as an admin laptop and push everything it holds."""
    enroll(store, hq.url, code_for(hq, new_user(hq, "admin", None)))
    ok(store)


def _later_edits(county: County) -> None:
    """B-1 moved to 幸福安置点, a visit of A-1 voided, one of B-2 added."""
    with county.store.write() as s:
        moved = s.get(Person, county["B-1"])
        voided = s.get(Visit, county["A-1 festival"])
        assert moved is not None
        assert voided is not None
        moved.site_id = county["site_A"]
        voided.deleted = True
        s.add_all([moved, voided])
    record_visit(county.store, VisitInput(county["B-2"], datetime(2026, 11, 3, 9, 30)))


def test_the_server_keeps_the_rows_after_each_push_so_a_report_replays_nobody(
    empty_hq_url: str, county: County
) -> None:
    assert kept_quarters(CLOCK) == (Q4, Q1)
    gate = Gate(open_=True)
    hq, keeper = _serve(empty_hq_url, gate)
    try:
        assert keeper.wait_idle(WAIT)
        assert keeper.runs == 1, "one run at start-up"
        gate.opened.clear()
        _push(hq, county.store)
        everyone = _live_persons(hq.engine)
        assert len(everyone) == 9
        assert _stale(hq.engine) == everyone, "before the run every pushed person is stale"
        _ran(keeper, gate)
        assert keeper.runs == 2
        assert keeper.failures == 0
        assert [(k.quarter, k.replayed) for k in keeper.last] == [(Q4, 9), (Q1, 9)]
        assert _stale(hq.engine) == set()
        assert _stale(hq.engine, Q1) == set()
        made, replayed = _report(hq.engine)
        assert replayed == set(), "the report replays nobody"
        assert made == _report(hq.engine, exact=True)[0]

        _later_edits(county)
        ok(county.store)
        assert _stale(hq.engine) == {county["B-1"], county["A-1"], county["B-2"]}
        _ran(keeper, gate)
        assert _stale(hq.engine) == set()
        assert _stale(hq.engine, Q1) == set()
        later, replayed = _report(hq.engine)
        assert replayed == set()
        assert later != made
        assert later == _report(hq.engine, exact=True)[0]
    finally:
        gate.opened.set()
        hq.stop()


def test_pushes_during_a_run_make_one_more_run_never_two_at_once(
    empty_hq_url: str, county: County, tmp_path: Path
) -> None:
    gate = Gate(open_=False)
    hq, keeper = _serve(empty_hq_url, gate)
    try:
        assert gate.entered.wait(WAIT), "the start-up run began"
        _push(hq, county.store)
        for day in (3, 4, 5):
            record_visit(county.store, VisitInput(county["B-2"], datetime(2026, 11, day, 9)))
            ok(county.store)
        assert keeper.runs == 0, "the start-up run still waits"
        assert gate.calls == [Q4]
        _ran(keeper, gate)
        assert keeper.runs == 2, "four pushes during the run: exactly one run more"
        assert gate.calls == [Q4, Q1, Q4, Q1]
        assert gate.most == 1, "never two steps at once"
        assert _stale(hq.engine) == set()
        assert _report(hq.engine)[1] == set()
    finally:
        gate.opened.set()
        hq.stop()
    assert not hq.thread.is_alive(), "the server stopped"
    keepers = [t for t in threading.enumerate() if t.name == "fieldkit-report-keeper"]
    assert keepers == [], "its keeper's thread ended with it"


def test_a_failing_run_leaves_the_server_answering(empty_hq_url: str, county: County) -> None:
    gate = Gate(open_=True)
    gate.failing = True
    hq, keeper = _serve(empty_hq_url, gate)
    try:
        assert keeper.wait_idle(WAIT)
        assert (keeper.runs, keeper.failures) == (1, 1)
        assert httpx.get(f"{hq.url}/health", timeout=10).status_code == 200
        _push(hq, county.store)  # the push answers; the run it wakes fails too
        assert keeper.wait_idle(WAIT)
        assert (keeper.runs, keeper.failures) == (2, 2)
        assert _stale(hq.engine) == _live_persons(hq.engine)
        gate.failing = False
        record_visit(county.store, VisitInput(county["B-2"], datetime(2026, 11, 3, 9)))
        ok(county.store)
        assert keeper.wait_idle(WAIT)
        assert (keeper.runs, keeper.failures) == (3, 2)
        assert _stale(hq.engine) == set()
        made, replayed = _report(hq.engine)
        assert replayed == set()
        assert made == _report(hq.engine, exact=True)[0]
    finally:
        hq.stop()


def test_the_admin_command_keeps_a_quarter_on_demand(empty_hq_url: str, county: County) -> None:
    hq = ServerThread(build_app(empty_hq_url, keep_reports=False))
    try:
        assert hq.app.state.report_keeper is None
        _push(hq, county.store)
    finally:
        hq.stop()
    engine = hq.engine
    assert _stale(engine) == _live_persons(engine)
    args: tuple[str, ...] = ("admin", "keep-reports", "--database-url", empty_hq_url)
    out = run_cli(*args, "--quarter", "2026Q4", "--lang", "en")
    assert out.splitlines() == [
        "HQ: keeping the report figures of 2026Q4 current...",
        out.splitlines()[1],
    ]
    assert out.splitlines()[1].startswith("HQ: report figures of 2026Q4 current: 9 persons ")
    assert _stale(engine) == set()
    made, replayed = _report(engine)
    assert replayed == set()
    assert made == _report(engine, exact=True)[0]
    again = run_cli(*args, "--quarter", "2026Q4", "--lang", "zh")
    assert "2026Q4" in again
    assert "0" in again
    assert "HQ: report" not in again
    bad: Any = run_cli(*args, "--quarter", "2026Q9", "--lang", "en", check=False)
    assert "'2026Q9' is not a quarter like 2026Q4" in bad
    assert "exit=1" in bad


@pytest.mark.parametrize(
    ("today", "kept"),
    [
        (date(2027, 1, 1), ("2026Q4", "2027Q1")),
        (date(2026, 12, 31), ("2026Q3", "2026Q4")),
        (date(2026, 4, 1), ("2026Q1", "2026Q2")),
        (date(2026, 3, 31), ("2025Q4", "2026Q1")),
    ],
)
def test_the_quarters_kept_are_the_previous_and_the_current(
    today: date, kept: tuple[str, str]
) -> None:
    assert tuple(map(str, kept_quarters(today))) == kept


def test_an_idle_keeper_runs_anyway_and_keeps_what_was_written_at_hq(hq_engine: Engine) -> None:
    """Writes at HQ without a push (the roster import's path) are kept by the keeper's
    idle wake; polled with a deadline."""
    q3 = parse_quarter("2026Q3")
    keeper = ReportKeeper(hq_engine, default_policy(), today=lambda: date(2026, 12, 1),
                          every=0.05)  # fmt: skip
    keeper.start()
    try:
        _county(hq_engine)  # written at HQ: no push, nobody asks the keeper
        assert _live_persons(hq_engine) == {IDS["p1"], IDS["p2"], IDS["p3"]}
        deadline = time.monotonic() + WAIT
        while _stale(hq_engine, q3) or _stale(hq_engine, Q4):
            assert time.monotonic() < deadline, "the idle keeper never kept the rows"
            keeper.wait_idle(WAIT)
        assert keeper.failures == 0
    finally:
        assert keeper.stop()
    with read_snapshot(hq_engine) as conn, conn.begin():
        source = _Watched(conn, hq_engine)
        made = build_report(source, q3, made_on=CLOCK)
        assert source.replayed == set()
    with read_snapshot(hq_engine) as conn, conn.begin():
        assert made == build_report(HqSource(conn), q3, made_on=CLOCK, exact_replay=True)


def _timed_keeper(settle: float, settle_max: float) -> tuple[ReportKeeper, list[float]]:
    """A keeper whose step only notes when each quarter's step started."""
    starts: list[float] = []

    def step(engine: Engine, quarter: Quarter, policy: Policy) -> KeptQuarter:
        starts.append(time.monotonic())
        return KeptQuarter(quarter, 0, 0.0, 0.0)

    keeper = ReportKeeper(create_engine("sqlite://"), default_policy(), step=step, every=None,
                          today=lambda: date(2026, 12, 1), settle=settle,
                          settle_max=settle_max)  # fmt: skip
    return keeper, starts


def test_a_burst_of_pushes_is_kept_by_one_run_once_it_settled() -> None:
    keeper, starts = _timed_keeper(settle=0.3, settle_max=WAIT)
    keeper.start()
    try:
        assert keeper.wait_idle(WAIT)  # the start-up run does not wait
        assert keeper.runs == 1
        for _ in range(5):
            keeper.request()
        last_asked = time.monotonic()
        assert keeper.wait_idle(WAIT)
    finally:
        assert keeper.stop()
    assert keeper.runs == 2
    assert len(starts) == 4  # two quarters a run
    assert starts[2] >= last_asked + 0.3


def test_pushes_that_never_settle_are_kept_at_the_longest_wait() -> None:
    keeper, starts = _timed_keeper(settle=10 * WAIT, settle_max=0.3)
    keeper.start()
    try:
        assert keeper.wait_idle(WAIT)
        keeper.request()
        first_asked = time.monotonic()
        assert keeper.wait_idle(WAIT), "the run waited for the pushes to settle"
    finally:
        assert keeper.stop()
    assert keeper.runs == 2
    assert starts[2] >= first_asked + 0.3
