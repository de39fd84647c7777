"""Pushes whose answers are lost: HQ committed, the laptop never heard the verdict.

Exactly-once must come from the per-device sequence and HQ's watermark, not from
the HTTP reply: the replayed batch is answered ``duplicate`` (or its stored
rejection), nothing is stored twice, and every outbox entry ends with its verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit.store.replica import StoreReplica, rejected_changes
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, SyncError, run_sync
from sync.hlc import Timestamp, format_ts
from tests.faults.proxy import FaultProxy, RandomFaults, Script, cut_request, cut_response, delay
from tests.support.hq_process import Hq
from tests.support.laptop_kit import (
    Laptop,
    hq_conflicts,
    hq_records,
    hq_watermark,
    integrity,
    outbox_states,
    scope_mismatches,
)

PUSH = "POST /v1/push"


@pytest.fixture
def laptop(hq_any: Hq, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Laptop]:
    """An admin laptop with a site, 120 persons, 120 visits and 60 edits, all pending."""
    user = f"推送{request.node.name[-30:]}"
    # enrolled directly; each test points the laptop at its own proxy
    lap = Laptop.enrolled(hq_any, tmp_path / "push.db", user, hq_any.url)
    site = lap.add_site(f"站点{request.node.name[-20:]}")
    people = lap.add_persons(site, "P", 120)
    lap.add_visits(people, site)
    for i, pid in enumerate(people[:60]):
        lap.edit(pid, phone=f"1380000{i:04d}")
    try:
        yield lap
    finally:
        lap.close()


def _point(lap: Laptop, proxy: FaultProxy) -> None:
    lap.store.set_meta("server_url", proxy.url)


def test_cut_push_answers_replay_as_duplicates(hq_any: Hq, laptop: Laptop) -> None:
    changes = laptop.last_seq()
    assert outbox_states(laptop.path) == {"pending": changes}
    assert changes == 1 + 120 + 120 + 60
    with FaultProxy(hq_any.port) as proxy:
        _point(laptop, proxy)
        # every answer of the first three pushes is lost (nothing, half, all but one byte)
        proxy.policy = Script({PUSH: [cut_response(0.0), cut_response(0.5), cut_response(0.999)]})
        first = laptop.sync()
        assert first.error is not None
        assert "cannot reach headquarters" in first.error
        assert "nothing is lost" in first.error
        # HQ committed the first attempt and answered the retries duplicate: nothing is
        # marked on the laptop, everything is stored once at HQ
        assert outbox_states(laptop.path) == {"pending": changes}
        assert hq_watermark(hq_any.database_url, laptop.device_id) == changes
        held = hq_records(hq_any.database_url)
        assert len(held) >= 241
        assert [e.status for e in proxy.requests(PUSH)] == [200, 200, 200]

        second = laptop.sync()
        assert second.ok, second.error
        assert (second.pushed, second.duplicates, second.applied) == (changes, changes, 0)
        assert outbox_states(laptop.path) == {"synced": changes}
        assert hq_watermark(hq_any.database_url, laptop.device_id) == changes
        assert hq_records(hq_any.database_url) == held
        assert len(proxy.requests(PUSH)) == 4

        third = laptop.sync()
        assert third.ok
        assert third.pushed == 0
    assert integrity(laptop.path) == "ok"


def test_client_retries_absorb_two_lost_answers(hq_any: Hq, laptop: Laptop) -> None:
    changes = laptop.last_seq()
    with FaultProxy(hq_any.port) as proxy:
        _point(laptop, proxy)
        proxy.policy = Script({PUSH: [cut_response(0.3), delay(0.0), cut_request(0.7)]})
        report = laptop.sync()
    assert report.ok, report.error
    # attempt 1 applied everything (answer lost), attempt 2 heard "duplicate"
    assert (report.pushed, report.duplicates, report.applied) == (changes, changes, 0)
    assert outbox_states(laptop.path) == {"synced": changes}
    assert hq_watermark(hq_any.database_url, laptop.device_id) == changes


def test_a_rejection_survives_a_lost_answer(hq_any: Hq, laptop: Laptop) -> None:
    """The stored rejection comes back on replay: the verdict is not turned into duplicate."""
    people = [pid for (tbl, pid) in _persons_of(laptop)]
    # a laptop whose clock says 2099 makes one change: HQ must reject it, with a reason
    laptop.store.set_meta("hlc", format_ts(Timestamp(4_102_444_800_000, 0, laptop.device_id)))
    laptop.edit(people[0], notes="时钟错了")
    laptop.store.set_meta("hlc", "")
    changes = laptop.last_seq()
    with FaultProxy(hq_any.port) as proxy:
        _point(laptop, proxy)
        proxy.policy = Script({PUSH: [cut_response(0.0)] * 3})
        assert not laptop.sync().ok
        report = laptop.sync()
    assert report.ok, report.error
    assert report.rejected == 1
    assert report.duplicates == changes - 1
    assert "ahead of headquarters" in report.rejected_reasons[0]
    assert outbox_states(laptop.path) == {"synced": changes - 1, "rejected": 1}
    (kept,) = rejected_changes(laptop.store)
    assert kept.seq == changes
    assert "ahead of headquarters" in kept.reason
    assert hq_records(hq_any.database_url)[("person", people[0])]["notes"] != "时钟错了"
    assert hq_watermark(hq_any.database_url, laptop.device_id) == changes


def _persons_of(laptop: Laptop) -> list[tuple[str, str]]:
    import sqlite3

    from fieldkit.domain.ids import decode_id

    conn = sqlite3.connect(laptop.path)
    try:
        rows = conn.execute("SELECT id FROM person ORDER BY code")
        return [("person", decode_id(r[0])) for r in rows]
    finally:
        conn.close()


def test_small_batches_under_random_cuts_land_exactly_once(hq: Hq, tmp_path: Path) -> None:
    """Batches of 25 with random lost requests and answers; sync repeated until it completes."""
    with FaultProxy(hq.port) as proxy:
        lap = Laptop.enrolled(hq, tmp_path / "batches.db", "分批推送", proxy.url)
        try:
            site = lap.add_site("分批站点")
            people = lap.add_persons(site, "FB", 80)
            visits = lap.add_visits(people[:70], site)
            for i, pid in enumerate(people[:50]):
                lap.edit(pid, address=f"分批{i}栋")
            changes = lap.last_seq()
            proxy.policy = RandomFaults(
                20261121, cut_request=0.15, cut_response=0.25, endpoints=(PUSH,), limit=14
            )
            token = lap.store.meta("device_token")
            problems: list[str] = []
            for _ in range(12):
                client = SyncClient(proxy.url, token, schema_version=sync_schema().version)
                try:
                    with client:
                        run_sync(client, StoreReplica(lap.store), batch=25)
                    break
                except SyncError as err:
                    problems.append(str(err))
            else:
                pytest.fail("push did not complete in 12 syncs")
            assert all("cannot reach headquarters" in p for p in problems), problems
            assert proxy.faults(), "the seed produced no fault"
            assert outbox_states(lap.path) == {"synced": changes}
            assert hq_watermark(hq.database_url, lap.device_id) == changes
            held = hq_records(hq.database_url)
            assert {("person", p) for p in people} <= held.keys()
            assert {("visit", v) for v in visits} <= held.keys()
            for i, pid in enumerate(people[:50]):
                assert held[("person", pid)]["address"] == f"分批{i}栋"
            assert scope_mismatches(hq, lap) == []
            assert not [c for c in hq_conflicts(hq.database_url) if c["row_id"] in set(people)]
        finally:
            lap.close()


def run_cut_trials(hq: Hq, tmp_path: Path, trials: int, seed: int) -> None:
    """Syncs through a link that cuts requests and answers until ``trials`` faults were
    injected, with new persons, visits and edits between syncs; then every change is at
    HQ exactly once and the laptop equals HQ field by field."""
    with FaultProxy(hq.port) as proxy:
        lap = Laptop.enrolled(hq, tmp_path / f"trials{seed}.db", f"切断{seed}", proxy.url)
        try:
            site = lap.add_site(f"切断站点{seed}")
            proxy.policy = RandomFaults(
                seed, cut_request=0.3, cut_response=0.3, refuse=0.1, limit=trials
            )
            token = lap.store.meta("device_token")
            made: list[str] = []
            problems: list[str] = []
            rounds = 0
            while True:
                rounds += 1
                fresh = lap.add_persons(site, f"Q{rounds}", 4)
                lap.add_visits(fresh[:2], site)
                for pid in made[-3:]:
                    lap.edit(pid, notes=f"第{rounds}轮")
                made += fresh
                client = SyncClient(
                    proxy.url, token, schema_version=sync_schema().version, retry_pause=0.01
                )
                try:
                    with client:
                        run_sync(client, StoreReplica(lap.store), batch=5)
                    if len(proxy.faults()) >= trials:
                        break
                except SyncError as err:
                    problems.append(str(err))
            assert all("cannot reach headquarters" in p for p in problems), problems
            assert outbox_states(lap.path) == {"synced": lap.last_seq()}
            assert hq_watermark(hq.database_url, lap.device_id) == lap.last_seq()
            assert integrity(lap.path) == "ok"
            assert scope_mismatches(hq, lap) == []
            assert {("person", pid) for pid in made} <= hq_records(hq.database_url).keys()
            assert not [c for c in hq_conflicts(hq.database_url) if c["row_id"] in set(made)]
        finally:
            lap.close()


def test_cut_trials(hq: Hq, tmp_path: Path) -> None:
    """Two hundred cuts of pushes and pulls in the default run."""
    run_cut_trials(hq, tmp_path, trials=200, seed=77)


@pytest.mark.stress
def test_cut_trials_stress(hq: Hq, tmp_path: Path) -> None:
    """``pytest -m stress``: a thousand cuts."""
    run_cut_trials(hq, tmp_path, trials=1000, seed=78)
