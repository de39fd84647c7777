"""HQ killed (SIGKILL) in the middle of pushes, again and again, and restarted on its database.

Two laptops push new persons, visits and edits in small batches while HQ's
``fieldkit serve`` process is killed as soon as their watermarks start to move;
HQ is started again on the same database and the laptops sync on. At the end
every change is at HQ exactly once: each laptop's watermark is its last change,
nothing is pending, no record is there twice, no conflict was made of a replay,
and every laptop equals HQ field by field on every table.

``pytest -m stress`` runs many more crashes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, SyncError, run_sync
from sync.server import tables as t
from tests.support.hq_process import Hq, migrated_database
from tests.support.laptop_kit import (
    Laptop,
    hq_conflicts,
    hq_records,
    integrity,
    local_rows,
    outbox_states,
    scope_mismatches,
)

pytestmark = pytest.mark.slow

BATCH = 15
"""Small push batches: a push is many requests, so a kill lands between and inside them."""


@dataclass
class Crashes:
    """An HQ process that can be killed and started again on the same database."""

    url: str
    tmp: Path
    hq: Hq
    restarts: int = 0
    watch: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.watch = create_engine(self.url)

    def kill_and_restart(self, laptops: list[Laptop]) -> None:
        """SIGKILL the server, start a new one on the same database, point laptops at it."""
        self.hq.proc.kill()
        self.hq.proc.wait()
        self.hq.stop()
        self.restarts += 1
        self.hq = Hq(self.url, self.tmp / f"serve-{self.restarts}.log")
        for lap in laptops:
            lap.store.set_meta("server_url", self.hq.url)

    def watermarks(self) -> dict[str, int]:
        """Every device's watermark at HQ."""
        with self.watch.connect() as conn:
            rows = conn.execute(select(t.device.c.id, t.device.c.watermark)).all()
        return {row.id: int(row.watermark) for row in rows}


@pytest.fixture(params=["sqlite", "postgres"])
def crashes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Crashes]:
    """HQ on SQLite, and on PostgreSQL when FIELDKIT_TEST_DATABASE_URL is set."""
    with migrated_database(request.param, tmp_path) as url:
        c = Crashes(url, tmp_path, Hq(url, tmp_path / "serve-0.log"))
        try:
            yield c
        finally:
            c.hq.stop()
            c.watch.dispose()


def _push(lap: Laptop, errors: list[str]) -> None:
    """Sync in small batches; a dead HQ ends it with the user's message."""
    store = lap.store
    client = SyncClient(
        store.meta("server_url") or "",
        store.meta("device_token"),
        schema_version=sync_schema().version,
        timeout=10,
    )
    try:
        with client:
            run_sync(client, StoreReplica(store), batch=BATCH)
    except SyncError as err:
        errors.append(str(err))


def _work(lap: Laptop, site: str, tag: str, rng: random.Random, own: list[str]) -> None:
    """New persons and visits, and edits of persons this laptop made (no conflicts)."""
    fresh = lap.add_persons(site, tag, rng.randint(30, 60))
    lap.add_visits(fresh[: rng.randint(10, 30)], site)
    for pid in rng.sample(own, min(len(own), 20)):
        lap.edit(pid, address=f"{tag}-地址", notes=f"{tag}-备注")
    own += fresh


def run_crashes(crashes: Crashes, tmp_path: Path, trials: int, seed: int) -> None:
    """``trials`` kills of HQ during pushes, then the exactly-once checks."""
    rng = random.Random(seed)
    hq = crashes.hq
    laptops = [
        Laptop.enrolled(hq, tmp_path / f"lap{i}.db", f"崩溃{seed}-{i}", hq.url) for i in range(2)
    ]
    try:
        site = laptops[0].add_site("崩溃站点")
        for lap in laptops:
            assert lap.sync().ok
        own: list[list[str]] = [[], []]
        mid_push = 0
        for trial in range(trials):
            for i, lap in enumerate(laptops):
                _work(lap, site, f"K{trial}-{i}", rng, own[i])
            before = crashes.watermarks()
            errors: list[str] = []
            pushes = [threading.Thread(target=_push, args=(lap, errors)) for lap in laptops]
            for p in pushes:
                p.start()
            # kill as soon as a watermark moves: HQ is in the middle of the pushes
            deadline = time.monotonic() + 60
            while crashes.watermarks() == before and any(p.is_alive() for p in pushes):
                assert time.monotonic() < deadline, "the pushes never reached HQ"
            crashes.kill_and_restart(laptops)
            for p in pushes:
                p.join()
            marks = crashes.watermarks()
            mid_push += any(marks[lap.device_id] < lap.last_seq() for lap in laptops)
            assert all("cannot reach headquarters" in e for e in errors), errors
        assert mid_push >= max(1, trials // 2), f"only {mid_push} kills landed mid-push"

        for _ in range(2):
            for lap in laptops:
                report = lap.sync()
                assert report.ok, report.error
        url = crashes.url
        held = hq_records(url)  # raises if a record is there twice
        marks = crashes.watermarks()
        for i, lap in enumerate(laptops):
            assert marks[lap.device_id] == lap.last_seq()
            assert outbox_states(lap.path) == {"synced": lap.last_seq()}
            assert integrity(lap.path) == "ok"
            assert scope_mismatches(crashes.hq, lap) == []
            assert {("person", pid) for pid in own[i]} <= held.keys()
        persons = set(local_rows(laptops[0].path, "person"))
        assert persons == {pid for pid in own[0] + own[1]}
        assert hq_conflicts(url) == []
    finally:
        for lap in laptops:
            lap.close()


def test_hq_killed_during_pushes_loses_and_doubles_nothing(
    crashes: Crashes, tmp_path: Path
) -> None:
    """A few crashes in the default run."""
    run_crashes(crashes, tmp_path, trials=4, seed=9)


@pytest.mark.stress
def test_hq_killed_during_pushes_stress(crashes: Crashes, tmp_path: Path) -> None:
    """``pytest -m stress``: a hundred crashes."""
    run_crashes(crashes, tmp_path, trials=100, seed=90)
