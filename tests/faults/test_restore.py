"""HQ restored from a backup (new epoch), then a cut link: laptops resync, nothing lost."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.proxy import FaultProxy, Script, cut_response
from tests.support.hq_process import Hq
from tests.support.laptop_kit import (
    Laptop,
    hq_records,
    integrity,
    local_rows,
    outbox_states,
    scope_mismatches,
)

pytestmark = pytest.mark.slow

PULL = "GET /v1/pull"


@pytest.fixture
def hq_file(tmp_path: Path) -> Iterator[tuple[Path, Hq]]:
    """A ``fieldkit serve`` on its own SQLite file (restarted by the test)."""
    db = tmp_path / "hq.db"
    server = Hq(f"sqlite:///{db}", tmp_path / "serve1.log")
    holder = [server]
    try:
        yield db, server
    finally:
        for s in holder:
            s.stop()


def _backup(db: Path, to: Path) -> None:
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _restore(db: Path, backup: Path) -> None:
    for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        extra.unlink(missing_ok=True)
    db.write_bytes(backup.read_bytes())


def _restart_restored(db: Path, server: Hq, tmp_path: Path, lap: Laptop) -> tuple[Hq, FaultProxy]:
    server.stop()
    _restore(db, tmp_path / "backup.db")
    server.admin("new-epoch")
    restored = Hq(server.database_url, tmp_path / "serve2.log")
    proxy = FaultProxy(restored.port)
    lap.store.set_meta("server_url", proxy.url)
    return restored, proxy


def test_a_restored_hq_with_a_cut_link_is_resynced_without_duplicates(
    hq_file: tuple[Path, Hq], tmp_path: Path
) -> None:
    db, server = hq_file
    lap = Laptop.enrolled(server, tmp_path / "a.db", "恢复员", server.url)
    restored: Hq | None = None
    try:
        site = lap.add_site("恢复站点")
        people = lap.add_persons(site, "HF", 60)
        assert lap.sync().ok
        _backup(db, tmp_path / "backup.db")
        restored, proxy = _restart_restored(db, server, tmp_path, lap)
        with proxy:
            # the first page of the pull from zero is lost on the way, three times
            proxy.policy = Script({PULL: [cut_response(0.5)] * 3})
            assert not lap.sync().ok
            report = lap.sync()
            assert report.ok, report.error
        assert set(local_rows(lap.path, "person")) == set(people)
        held = hq_records(restored.database_url)
        assert {k[1] for k in held if k[0] == "person"} == set(people)
        assert integrity(lap.path) == "ok"
        assert scope_mismatches(restored, lap) == []
    finally:
        lap.close()
        if restored is not None:
            restored.stop()


def test_changes_pushed_after_the_backup_reach_the_restored_hq(
    hq_file: tuple[Path, Hq], tmp_path: Path
) -> None:
    db, server = hq_file
    lap = Laptop.enrolled(server, tmp_path / "b.db", "备份员", server.url)
    restored: Hq | None = None
    try:
        site = lap.add_site("备份站点")
        before = lap.add_persons(site, "BF", 5)
        assert lap.sync().ok
        _backup(db, tmp_path / "backup.db")
        after = lap.add_persons(site, "HB", 5)  # pushed after the backup was taken
        assert lap.sync().ok
        restored, proxy = _restart_restored(db, server, tmp_path, lap)
        with proxy:
            for _ in range(3):
                assert lap.sync().ok
        held = hq_records(restored.database_url)
        assert {k[1] for k in held if k[0] == "person"} == set(before) | set(after)
        assert outbox_states(lap.path) == {"synced": lap.last_seq()}
        assert scope_mismatches(restored, lap) == []
    finally:
        lap.close()
        if restored is not None:
            restored.stop()


def test_changes_lost_by_the_restore_go_out_before_newer_ones(
    hq_file: tuple[Path, Hq], tmp_path: Path
) -> None:
    """A new change pushed first would lift HQ's watermark over the lost ones for good."""
    db, server = hq_file
    lap = Laptop.enrolled(server, tmp_path / "c.db", "先后员", server.url)
    restored: Hq | None = None
    try:
        site = lap.add_site("先后站点")
        before = lap.add_persons(site, "XH", 3)
        assert lap.sync().ok
        _backup(db, tmp_path / "backup.db")
        lost = lap.add_persons(site, "DS", 4)
        lap.edit(before[0], name="改名后")  # an edit HQ loses too
        assert lap.sync().ok
        restored, proxy = _restart_restored(db, server, tmp_path, lap)
        newer = lap.add_persons(site, "XX", 2)  # made while HQ was down
        with proxy:
            report = lap.sync()
            assert report.ok, report.error
            assert (report.applied, report.duplicates) == (len(lost) + 1 + len(newer), 0)
            assert report.resent == len(lost) + 1
            assert f"{len(lost) + 1} sent again (HQ was restored" in report.summary()
            assert lap.sync().pushed == 0  # nothing is sent a third time
        held = hq_records(restored.database_url)
        assert {k[1] for k in held if k[0] == "person"} == set(before) | set(lost) | set(newer)
        assert held[("person", before[0])]["name"] == "改名后"
        assert local_rows(lap.path, "person", ("name",))[before[0]] == ("改名后",)
        assert outbox_states(lap.path) == {"synced": lap.last_seq()}
        assert scope_mismatches(restored, lap) == []
    finally:
        lap.close()
        if restored is not None:
            restored.stop()
