"""The laptop's report keeper (:mod:`fieldkit.services.keeping`) on a copy of the demo
store: after its step a report replays nobody and its tables are those made with
nothing kept; the field app runs it in a real child process once the store is open,
one at a time; a child killed inside its write transaction leaves the kept rows as
they were."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fieldkit.reports import QuarterlyReport, StoreSource, build_report
from fieldkit.reports.keeping import kept_quarters, today_at_bureau
from fieldkit.reports.quarter import Quarter
from fieldkit.services.keeper_process import KeeperProcess
from fieldkit.services.keeping import keep_store_current, keep_store_report_rows
from fieldkit.store import Store
from tests.reports.report_county import Watching
from tests.support.store_copies import demo_template, store_copy
from tests.tui.tui_helpers import make_app, started_keeper

__all__ = ["demo_template"]

MADE_ON = date(2027, 1, 5)
DEADLINE_S = 120.0


class Watched(Watching, StoreSource):
    """A store source that remembers whom each report replayed."""


@pytest.fixture
def store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    with store_copy(demo_template, tmp_path) as copy:
        yield copy


def _kept_rows(path: Path) -> list[tuple[object, ...]]:
    """Every kept row of the store, in a stable order."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM report_replay ORDER BY 1, 2, 3").fetchall()


def _kept_and_fresh(store: Store, quarter: Quarter) -> tuple[QuarterlyReport, set[str]]:
    """The report of ``quarter`` from the kept rows, whom it replayed; checked equal to
    the report made with nothing kept (every person replayed, nothing read)."""
    source = Watched(store)
    kept = build_report(source, quarter, made_on=MADE_ON)
    fresh = build_report(StoreSource(store), quarter, made_on=MADE_ON, exact_replay=True)
    assert kept == fresh, "the kept figures are the figures made from scratch"
    return kept, source.replayed


def test_after_the_step_a_report_replays_nobody_and_equals_one_made_from_scratch(
    store: Store,
) -> None:
    quarters = kept_quarters(date(2026, 12, 4))
    assert [str(q) for q in quarters] == ["2026Q3", "2026Q4"]
    assert _kept_rows(store.path) == []
    first = keep_store_report_rows(store.path, quarters[1])
    assert first.quarter == quarters[1]
    assert first.replayed > 0
    report, replayed = _kept_and_fresh(store, quarters[1])
    assert replayed == set()
    assert report.persons.rows, "the demo county's quarter has persons"
    again = keep_store_report_rows(store.path, quarters[1])
    assert again.replayed == 0, "current rows: nobody replayed"

    done = keep_store_current(store.path, today=date(2026, 12, 4))
    assert [one.quarter for one in done] == list(quarters)
    assert done[0].replayed > 0
    assert done[1].replayed == 0
    _report, replayed = _kept_and_fresh(store, quarters[0])
    assert replayed == set()


_HELD_AT_COMMIT = """
import sys, threading
from contextlib import contextmanager

from fieldkit.services import keeping
from fieldkit.store import Store

signal, db = sys.argv[1], sys.argv[2]
plain_write = Store.write


@contextmanager
def write(self, **options):
    with plain_write(self, **options) as session:
        yield session
        session.flush()
        rows = session.connection().exec_driver_sql("SELECT count(*) FROM report_replay")
        with open(signal, "w") as out:
            out.write(str(rows.scalar()))
        threading.Event().wait()  # held before the commit until killed


Store.write = write
sys.exit(keeping.main([db]))
"""


def _wait_for(condition: object, what: str) -> None:
    """Poll ``condition`` (a callable) until it holds, or fail after the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE_S} s: {what}")
        time.sleep(0.02)


def test_a_child_killed_inside_its_transaction_leaves_the_kept_rows_as_they_were(
    store: Store, tmp_path: Path
) -> None:
    quarter = kept_quarters(today_at_bureau())[1]
    keep_store_report_rows(store.path, quarter)  # some rows kept already
    before = _kept_rows(store.path)
    assert before
    signal = tmp_path / "written"
    keeper = KeeperProcess(store.path, command=[sys.executable, "-c", _HELD_AT_COMMIT, str(signal)])
    keeper.request()
    _wait_for(lambda: signal.exists() and signal.read_text(), "the child wrote its rows")
    assert int(signal.read_text()) > len(before), "the child's transaction holds more rows"
    keeper.stop()
    assert keeper.wait_idle(DEADLINE_S)
    assert keeper.runs == 1
    assert keeper.failures == 1
    assert _kept_rows(store.path) == before, "nothing of the killed transaction is left"
    _report, replayed = _kept_and_fresh(store, kept_quarters(today_at_bureau())[0])
    assert replayed, "the previous quarter was not kept: the next report replays it"


def test_a_request_while_a_child_runs_makes_one_more_run_after_it(store: Store) -> None:
    keeper = KeeperProcess(store.path)
    with sqlite3.connect(store.path, isolation_level=None) as held:
        held.execute("BEGIN IMMEDIATE")  # the child cannot store its rows meanwhile
        keeper.request()
        child = keeper.child
        assert child is not None
        keeper.request()
        keeper.request()
        assert keeper.child is child, "one child at a time"
        held.execute("ROLLBACK")
    assert keeper.wait_idle(DEADLINE_S)
    assert (keeper.runs, keeper.failures) == (2, 0), "the requests meanwhile made one run"
    for quarter in kept_quarters(today_at_bureau()):
        assert _kept_and_fresh(store, quarter)[1] == set()


def test_a_failing_child_is_logged_and_makes_no_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "store.db"
    keeper = KeeperProcess(missing)
    keeper.request()
    assert keeper.wait_idle(DEADLINE_S)
    assert (keeper.runs, keeper.failures) == (1, 1)
    assert f"no store at {missing}" in caplog.text
    assert not missing.exists()


@pytest.mark.parametrize("start_mode", ["roster", "today"])
async def test_the_app_keeps_the_rows_in_a_child_once_the_store_is_open(
    store: Store, start_mode: str
) -> None:
    app = make_app(store, keep_reports=True, start_mode=start_mode)
    async with app.run_test(size=(120, 40)) as pilot:
        keeper = await started_keeper(pilot)
        assert (keeper.runs, keeper.failures) == (1, 0)
        await pilot.press("down")  # the app goes on
    for quarter in kept_quarters(today_at_bureau()):
        assert _kept_and_fresh(store, quarter)[1] == set()


async def test_a_keeper_running_at_exit_is_ended(store: Store) -> None:
    app = make_app(store, keep_reports=True)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + DEADLINE_S
        while app.report_keeper is None or app.report_keeper.child is None:
            assert time.monotonic() < deadline, "the app started no report keeper"
            await pilot.pause()
        keeper = app.report_keeper
        child = keeper.child
    assert child is not None
    assert child.poll() is not None, "the child ended with the app"
    assert await asyncio.to_thread(keeper.wait_idle, DEADLINE_S)
