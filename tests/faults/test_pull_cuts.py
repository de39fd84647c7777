"""Pulls cut mid-page: the laptop keeps whole pages only and resumes from its cursor.

Each pulled page is applied with its cursor in one local transaction, so whatever
the cut, the laptop holds exactly the records of the pages up to its stored cursor,
and the next sync continues from there (never from zero, never a page twice).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from fieldkit.domain.models import SYNCED_TABLES
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from sync.client import SyncResult, Unreachable, pull_all
from sync.protocol import PullPage
from tests.faults.proxy import PASS, FaultProxy, RandomFaults, Script, cut_response, delay
from tests.support.hq_process import Hq
from tests.support.laptop_kit import Laptop, hq_records, integrity, local_rows, scope_mismatches

PULL = "GET /v1/pull"
SITE = "拉取站点"
PAGE = 30


@dataclass
class County:
    """What the admin laptop pushed: one site, its persons and visits."""

    site: str
    persons: list[str]
    visits: list[str]

    @property
    def size(self) -> int:
        """Records in the site's scope."""
        return 1 + len(self.persons) + len(self.visits)


@pytest.fixture(scope="module")
def county(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """An admin laptop pushes a site with 150 persons and 150 visits (no faults)."""
    lap = Laptop.enrolled(hq, tmp_path_factory.mktemp("admin") / "admin.db", "拉取管理员", hq.url)
    try:
        site = lap.add_site(SITE)
        persons = lap.add_persons(site, "LQ", 150)
        visits = lap.add_visits(persons, site)
        report = lap.sync()
        assert report.ok, report.error
        assert report.pushed == 301, report.error
        yield County(site, persons, visits)
    finally:
        lap.close()


def _held(path: Path) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for m in SYNCED_TABLES:
        tbl = str(m.__tablename__)
        out |= {(tbl, row_id) for row_id in local_rows(path, tbl)}
    return out


def _direct_pages(hq: Hq, lap: Laptop, n: int) -> list[PullPage]:
    """The first ``n`` pages HQ gives this device, fetched without the proxy."""
    pages: list[PullPage] = []
    cursor: str | None = None
    with lap.client(hq.url) as client:
        for _ in range(n):
            page = client.pull(cursor, PAGE)
            pages.append(page)
            cursor = page.cursor
    return pages


def _scope_at_hq(hq: Hq, site: str) -> set[tuple[str, str]]:
    held = hq_records(hq.database_url)
    return {k for k, v in held.items() if v.get("site_id") == site or k == ("site", site)}


def test_a_page_cut_mid_answer_is_not_applied_and_the_next_sync_resumes(
    hq: Hq, county: County, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "b.db", "拉取甲", hq.url, role="staff", sites=SITE)
    try:
        with FaultProxy(hq.port) as proxy:
            lap.store.set_meta("server_url", proxy.url)
            # pages 1-3 arrive; every try of page 4 is cut half-way through its body
            proxy.policy = Script(
                {PULL: [PASS, PASS, PASS, cut_response(0.5), cut_response(0.1), cut_response(0.9)]}
            )
            with lap.client(proxy.url) as client, pytest.raises(Unreachable) as cut:
                pull_all(client, StoreReplica(lap.store), page_limit=PAGE)
            assert "cannot reach headquarters" in str(cut.value)

            first_three = _direct_pages(hq, lap, 3)
            expected = {(r.tbl, r.id) for p in first_three for r in p.records}
            assert len(expected) == 3 * PAGE
            assert _held(lap.path) == expected
            assert lap.store.meta("pull_cursor") == first_three[-1].cursor
            assert lap.store.meta("pull_rev") == str(first_three[-1].seen_rev)
            assert integrity(lap.path, pull_done=False) == "ok"

            # the next sync starts at the stored cursor and brings the rest once
            before = len(proxy.requests(PULL))
            report = lap.sync()
            assert report.ok, report.error
            assert report.pulled == county.size - 3 * PAGE
            resumed = proxy.requests(PULL)[before]
            query = parse_qs(urlsplit(resumed.request.target).query)
            assert query["cursor"] == [first_three[-1].cursor]
        assert _held(lap.path) == _scope_at_hq(hq, county.site)
        assert len(local_rows(lap.path, "visit")) == len(county.visits)
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()


def test_random_cuts_during_a_paged_first_pull_apply_every_page_once(
    hq: Hq, county: County, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "c.db", "拉取乙", hq.url, role="staff", sites=SITE)
    try:
        with FaultProxy(hq.port) as proxy:
            proxy.policy = RandomFaults(
                7,
                cut_request=0.1,
                cut_response=0.25,
                refuse=0.1,
                delay=0.1,
                max_delay=0.1,
                limit=14,
            )
            total = SyncResult()
            runs = 0
            while runs < 15:
                runs += 1
                try:
                    with lap.client(proxy.url) as client:
                        pull_all(client, StoreReplica(lap.store), page_limit=PAGE, result=total)
                    break
                except Unreachable:
                    assert integrity(lap.path, pull_done=False) == "ok"
            else:
                pytest.fail("the pull did not complete in 15 runs")
            assert runs > 1, "the seed cut nothing that mattered"
            assert len(proxy.faults()) >= 5
        # every page was applied exactly once across all the runs: no page twice
        assert total.pulled == county.size
        assert _held(lap.path) == _scope_at_hq(hq, county.site)
        persons = local_rows(lap.path, "person", ("code", "name"))
        held = hq_records(hq.database_url)
        for pid in county.persons:
            assert persons[pid] == (held[("person", pid)]["code"], held[("person", pid)]["name"])
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()


_PULLER = """
import sys
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, pull_all

store = Store(sys.argv[1])
token = store.meta("device_token")
print("pulling", flush=True)
with SyncClient(sys.argv[2], token, schema_version=sync_schema().version) as client:
    pull_all(
        client,
        StoreReplica(store),
        page_limit=int(sys.argv[3]),
        on_progress=lambda _: print("progress", flush=True),
    )
"""


def _meta(path: Path, key: str) -> str:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM local_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row and row[0] else ""
    finally:
        conn.close()


@pytest.mark.slow
def test_a_pull_killed_at_any_moment_keeps_whole_pages(
    hq: Hq, county: County, tmp_path: Path
) -> None:
    """SIGKILL of the syncing process: the file holds exactly the pages up to its cursor."""
    lap = Laptop.enrolled(hq, tmp_path / "k.db", "拉取丙", hq.url, role="staff", sites=SITE)
    lap.close()  # the killed processes own the file from here
    # what each stored cursor must mean: the union of the pages up to it
    upto: dict[str, set[tuple[str, str]]] = {"": set()}
    so_far: set[tuple[str, str]] = set()
    cursor: str | None = None
    with lap.client(hq.url) as client:
        while True:
            page = client.pull(cursor, PAGE)
            so_far |= {(r.tbl, r.id) for r in page.records}
            upto[page.cursor] = set(so_far)
            cursor = page.cursor
            if not page.more:
                break
    assert so_far == _scope_at_hq(hq, county.site)

    partial = 0
    rng = random.Random(5)
    with FaultProxy(hq.port, policy=lambda req: delay(0.08)) as proxy:
        for attempt in range(10):
            proc = subprocess.Popen(
                [sys.executable, "-c", _PULLER, str(lap.path), proxy.url, str(PAGE)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "pulling"
            # killed right after a random progress report (a page applied, the next in
            # flight behind the proxy's delay); the last attempts are left to finish
            if attempt < 6:
                for _ in range(rng.randint(1, 4)):
                    if not proc.stdout.readline():
                        break
                proc.send_signal(signal.SIGKILL)
            finished = proc.wait(timeout=60) == 0
            proc.stdout.close()
            assert integrity(lap.path, pull_done=finished) == "ok"
            stored = _meta(lap.path, "pull_cursor")
            assert stored in upto, f"cursor {stored!r} is not a page boundary"
            assert _held(lap.path) == upto[stored]
            if finished:
                break
            partial += 0 < len(upto[stored]) < len(so_far)
        else:
            pytest.fail("the pull never completed")
    assert _held(lap.path) == so_far
    lap.store = Store(lap.path)
    try:
        assert scope_mismatches(hq, lap) == []
    finally:
        lap.close()
    print(f"{partial} kills left a partial pull")
    assert partial >= 1, "no kill landed in the middle of the pull"
