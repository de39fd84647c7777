"""``fieldkit sync`` against a real HQ brings the laptop's kept report rows current after
a sync that moved records, and says so in one line; a sync that moved nothing does not."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind, VisitReason
from fieldkit.reports import StoreSource, build_report
from fieldkit.reports.keeping import kept_quarters, today_at_bureau
from fieldkit.store import Store
from tests.reports.report_county import Watching
from tests.support.hq_process import Hq, run_cli


class Watched(Watching, StoreSource):
    """A store source that remembers whom each report replayed."""


def test_sync_that_moved_records_keeps_the_report_rows_current(hq: Hq, tmp_path: Path) -> None:
    hq.admin("add-user", "局机关", "--role", "admin")
    db = tmp_path / "laptop.db"
    run_cli("--db", str(db), "enroll", hq.url, hq.enroll_code("局机关"))
    store = Store(db)
    try:
        previous, current = kept_quarters(today_at_bureau())
        with store.write() as s:
            site = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
            s.add(site)
            s.flush()
            person = Person(
                code="DS-0001", name="王秀英", site_id=site.id, birth_date=date(1938, 5, 1)
            )
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

        out = run_cli("--db", str(db), "sync")
        line = (
            rf"report figures kept current for {previous}, {current}:"
            r" (\d+) person\(s\) replayed in [\d.]+ s"
        )
        found = re.search(line, out)
        assert found is not None, out
        assert int(found[1]) >= 1, "the new person was replayed"
        for quarter in (previous, current):
            source = Watched(store)
            kept = build_report(source, quarter)
            assert source.replayed == set(), quarter
            assert kept == build_report(StoreSource(store), quarter, exact_replay=True)

        again = run_cli("--db", str(db), "sync")
        assert "report figures" not in again, "nothing moved: nothing to keep"

        zh = run_cli("--lang", "zh", "--db", str(db), "sync")
        assert "季度报表" not in zh
    finally:
        store.close()
