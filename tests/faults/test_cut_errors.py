"""What the user sees when the link fails, and that the laptop's store stays whole."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import enroll, sync_now
from sync.client import SyncClient, Unreachable, run_sync
from tests.faults.proxy import FaultProxy, Script, cut_request, cut_response, delay
from tests.support.hq_process import Hq, run_cli
from tests.support.laptop_kit import Laptop, hq_records, hq_watermark, integrity, outbox_states

PUSH = "POST /v1/push"
ENROLL = "POST /v1/enroll"


def test_hq_unreachable_is_reported_and_nothing_changes(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "down.db", "断网员", proxy.url)
    try:
        site = lap.add_site("断网站点")
        lap.add_persons(site, "DW", 5)
        changes = lap.last_seq()
        proxy.down()  # connections are refused (ECONNREFUSED)
        report = lap.sync()
        assert not report.ok
        assert report.error is not None
        assert report.error.startswith(f"cannot reach headquarters at {proxy.url}")
        assert report.error.endswith("check the network and try again (nothing is lost)")
        assert lap.store.meta("last_sync_error") == report.error
        assert not lap.store.meta("last_sync_at")
        assert outbox_states(lap.path) == {"pending": changes}
        assert integrity(lap.path) == "ok"
        lap.close()

        out = run_cli("--db", str(lap.path), "sync", process=True, check=False)
        assert out.rstrip().endswith("exit=1")
        assert "sync failed: cannot reach headquarters" in out
        assert "nothing is lost" in out

        proxy.up()  # the link is back, on the same address
        lap.store = Store(lap.path)
        report = lap.sync()
        assert report.ok, report.error
        assert report.applied == changes, report.error
        assert lap.store.meta("last_sync_error") == ""
        assert lap.store.meta("last_sync_at")
        out = run_cli("--db", str(lap.path), "sync")
        assert out.startswith("sent 0 change(s)")
    finally:
        lap.close()


def test_a_request_that_never_fully_arrives_writes_nothing(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "half.db", "半截员", proxy.url)
    try:
        site = lap.add_site("半截站点")
        people = lap.add_persons(site, "BJ", 40)
        changes = lap.last_seq()
        proxy.policy = Script({PUSH: [cut_request(0.0), cut_request(0.5), cut_request(0.99)]})
        report = lap.sync()
        assert report.error is not None
        assert "cannot reach headquarters" in report.error
        assert hq_watermark(hq.database_url, lap.device_id) == 0
        assert not {("person", p) for p in people} & hq_records(hq.database_url).keys()
        assert outbox_states(lap.path) == {"pending": changes}

        report = lap.sync()  # HQ never acted on the broken requests: all applied now
        assert report.ok
        assert (report.applied, report.duplicates) == (changes, 0)
        assert hq_watermark(hq.database_url, lap.device_id) == changes
    finally:
        lap.close()


def test_a_link_slower_than_the_timeout_loses_the_answer_not_the_changes(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "slow.db", "慢网员", proxy.url)
    try:
        site = lap.add_site("慢网站点")
        lap.add_persons(site, "MW", 30)
        changes = lap.last_seq()
        proxy.policy = Script({PUSH: [delay(1.0)] * 3})
        token = lap.store.meta("device_token")
        version = sync_schema().version
        with (
            SyncClient(proxy.url, token, schema_version=version, timeout=0.4) as client,
            pytest.raises(Unreachable, match="cannot reach headquarters"),
        ):
            run_sync(client, StoreReplica(lap.store))
        # HQ applied the first try (its answer came too late)
        assert hq_watermark(hq.database_url, lap.device_id) == changes
        assert outbox_states(lap.path) == {"pending": changes}
        report = lap.sync()
        assert report.ok, report.error
        assert report.duplicates == changes, report.error
        assert "already at HQ" in report.summary()
        assert outbox_states(lap.path) == {"synced": changes}
    finally:
        lap.close()


def test_a_lost_enrollment_answer_leaves_the_laptop_unenrolled(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    hq.admin("add-user", "报名员", "--role", "admin")
    code = hq.enroll_code("报名员")
    store = Store(tmp_path / "enroll.db")
    try:
        proxy.policy = Script({ENROLL: [cut_response(0.0)]})
        with pytest.raises(Unreachable, match="cannot reach headquarters"):
            enroll(store, proxy.url, code)
        assert not store.meta("server_url")
        assert not store.meta("device_token")
        out = run_cli("--db", str(store.path), "sync", check=False)
        assert "exit=1" in out
        assert "fieldkit enroll URL CODE" in out
        assert integrity(store.path) == "ok"
    finally:
        store.close()


def test_retrying_an_enrollment_whose_answer_was_lost_succeeds(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    hq.admin("add-user", "重试报名员", "--role", "admin")
    code = hq.enroll_code("重试报名员")
    store = Store(tmp_path / "retry.db")
    try:
        proxy.policy = Script({ENROLL: [cut_response(0.0)]})
        with pytest.raises(Unreachable):
            enroll(store, proxy.url, code)
        reply = enroll(store, proxy.url, code)  # the same laptop, the same code
        assert reply.user == "重试报名员"
        assert store.meta("device_token") == reply.token
        assert sync_now(store).ok  # the token HQ kept is the one the laptop holds
    finally:
        store.close()


def test_a_request_cut_mid_body_is_not_logged_as_a_server_error(
    hq: Hq, proxy: FaultProxy, tmp_path: Path
) -> None:
    lap = Laptop.enrolled(hq, tmp_path / "quiet.db", "日志员", proxy.url)
    try:
        site = lap.add_site("日志站点")
        lap.add_persons(site, "RZ", 30)
        before = len(hq.log_text())
        proxy.policy = Script({PUSH: [cut_request(0.9)] * 3})
        assert not lap.sync().ok
        note = "the client went away before its body arrived"
        deadline = time.monotonic() + 10  # the server logs after the client gave up
        while time.monotonic() < deadline and hq.log_text()[before:].count(note) < 3:
            time.sleep(0.05)
        logged = hq.log_text()[before:]
        assert "Exception in ASGI application" not in logged
        assert "Traceback" not in logged
        assert logged.count(note) == 3
        assert hq_watermark(hq.database_url, lap.device_id) == 0
        assert lap.sync().ok
    finally:
        lap.close()
