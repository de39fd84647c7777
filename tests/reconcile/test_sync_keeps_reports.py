"""``fieldkit sync`` against a real HQ brings the laptop's kept report rows current after
a sync that moved records, and says so in one line; a sync that moved nothing does not.
The Sync screen's sync does it in the app's child process."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, datetime
from pathlib import Path

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind, VisitReason
from fieldkit.reports import StoreSource, build_report
from fieldkit.reports.keeping import kept_quarters, today_at_bureau
from fieldkit.store import Store
from tests.reports.report_county import Watching
from tests.support.hq_process import Hq, run_cli
from tests.tui.tui_helpers import make_app, started_keeper

DEADLINE_S = 120.0


class Watched(Watching, StoreSource):
    """A store source that remembers whom each report replayed."""


def _enrolled_with_a_visit(hq: Hq, db: Path) -> Store:
    """An admin laptop enrolled at ``hq`` holding a person with a visit today, unsent."""
    hq.enroll_admin_laptop(db)
    store = Store(db)
    with store.write() as s:
        site = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        s.add(site)
        s.flush()
        person = Person(code="DS-0001", name="王秀英", site_id=site.id, birth_date=date(1938, 5, 1))
        s.add(person)
        s.flush()
        s.add(
            Visit(
                person_id=person.id,
                site_id=site.id,
                reason=VisitReason.ROUTINE,
                visited_at=datetime.now(),
            )
        )
    return store


def _assert_current(store: Store) -> None:
    """The kept quarters' reports replay nobody and equal those made from scratch."""
    for quarter in kept_quarters(today_at_bureau()):
        source = Watched(store)
        kept = build_report(source, quarter)
        assert source.replayed == set(), quarter
        assert kept == build_report(StoreSource(store), quarter, exact_replay=True)


def test_sync_that_moved_records_keeps_the_report_rows_current(hq: Hq, tmp_path: Path) -> None:
    db = tmp_path / "laptop.db"
    store = _enrolled_with_a_visit(hq, db)
    try:
        previous, current = kept_quarters(today_at_bureau())
        out = run_cli("--db", str(db), "sync")
        line = (
            rf"report figures kept current for {previous}, {current}:"
            r" (\d+) person\(s\) replayed in [\d.]+ s"
        )
        found = re.search(line, out)
        assert found is not None, out
        assert int(found[1]) >= 1, "the new person was replayed"
        _assert_current(store)

        again = run_cli("--db", str(db), "sync")
        assert "report figures" not in again, "nothing moved: nothing to keep"
        zh = run_cli("--lang", "zh", "--db", str(db), "sync")
        assert "季度报表" not in zh
    finally:
        store.close()


async def test_a_sync_from_the_sync_screen_keeps_the_rows_in_the_child(
    hq: Hq, tmp_path: Path
) -> None:
    store = _enrolled_with_a_visit(hq, tmp_path / "laptop.db")
    try:
        app = make_app(store, lang="en", keep_reports=True)
        async with app.run_test(size=(160, 40)) as pilot:
            keeper = await started_keeper(pilot)
            assert keeper.runs == 1
            deadline = time.monotonic() + DEADLINE_S
            await pilot.press("f5")
            await pilot.pause()
            screen = app.screen
            await pilot.press("s")
            while screen.running or keeper.runs < 2:  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the sync or its keeper did not end"
                await app.workers.wait_for_complete()
                await pilot.pause()
                await asyncio.to_thread(keeper.wait_idle, 1)
            message = str(screen.query_one("#sync-message").render())
            assert "Sync finished." in message, message
            assert (keeper.runs, keeper.failures) == (2, 0)
        _assert_current(store)
    finally:
        store.close()
