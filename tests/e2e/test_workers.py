"""``fieldkit serve --workers 2``: several processes serve one database."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fieldkit.store import Store
from fieldkit.syncing import sync_now
from tests.e2e.e2e_data import add_persons, add_site, add_visits, hq_rows, laptop_rows
from tests.support.hq_process import Hq, database_urls, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq2(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    with database_urls(request.param, tmp_path_factory.mktemp("hq2")) as url:
        server = Hq(url, workers=2)
        try:
            yield server
        finally:
            server.stop()


def test_laptops_syncing_at_once_against_two_workers(hq2: Hq, tmp_path: Path) -> None:
    admin = tmp_path / "admin.db"
    hq2.admin("add-user", "调度", "--role", "admin")
    run_cli("--db", str(admin), "enroll", hq2.url, hq2.enroll_code("调度"))
    site = add_site(admin, "多进程站点")
    people = add_persons(admin, site, "MP", 8)
    run_cli("--db", str(admin), "sync")
    laptops = [tmp_path / f"l{i}.db" for i in range(4)]
    for i, db in enumerate(laptops):
        hq2.admin("add-user", f"员{i}", "--role", "staff", "--sites", "多进程站点")
        run_cli("--db", str(db), "enroll", hq2.url, hq2.enroll_code(f"员{i}"))
        run_cli("--db", str(db), "sync")
        add_visits(db, people[i * 2 : i * 2 + 2], site)

    def sync(db: Path) -> bool:
        store = Store(db)
        try:
            return sync_now(store).ok
        finally:
            store.close()

    for _ in range(2):
        with ThreadPoolExecutor(max_workers=4) as pool:
            assert all(pool.map(sync, laptops))
    held = [laptop_rows(db) for db in laptops]
    assert all(h == held[0] for h in held)
    assert len(held[0]["visit"]) == 8
    assert hq_rows(hq2.database_url) == held[0]
