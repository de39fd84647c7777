"""A correction made after seeing a value wins over it, whatever the clocks of the laptops.

Laptop B runs 4 minutes fast (inside HQ's 5-minute allowance) and sets a phone;
laptop C, on time, pulls it, then a person corrects it on C. C's edit was made
after C saw B's value, so it must stand at HQ and on B. Through a real HQ.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

from sync.hlc import wall_clock
from tests.support.hq_process import Hq
from tests.support.laptop_kit import Laptop, hq_records, local_rows

FOUR_MINUTES_MS = 4 * 60 * 1000


def _fast_by(offset_ms: int) -> AbstractContextManager[None]:
    """This process's wall clock ``offset_ms`` ahead of the system's."""
    return wall_clock(lambda: time.time_ns() // 1_000_000 + offset_ms)


def test_a_correction_after_a_fast_laptops_value_wins_at_hq_and_on_that_laptop(
    hq: Hq, tmp_path: Path
) -> None:
    a = Laptop.enrolled(hq, tmp_path / "a.db", "skew-a", hq.url)
    site = a.add_site("东山安置点")
    (pid,) = a.add_persons(site, "SK", 1)
    assert a.sync().ok
    b = Laptop.enrolled(hq, tmp_path / "b.db", "skew-b", hq.url)
    c = Laptop.enrolled(hq, tmp_path / "c.db", "skew-c", hq.url)
    with _fast_by(FOUR_MINUTES_MS):
        assert b.sync().ok
        b.edit(pid, phone="13800000001")
        assert b.sync().ok
    assert c.sync().ok
    assert local_rows(c.path, "person", ("phone",))[pid] == ("13800000001",)

    c.edit(pid, phone="13900000002")  # the correction, made after seeing B's value
    report = c.sync()
    assert report.ok
    assert report.applied == 1
    assert hq_records(hq.database_url)[("person", pid)]["phone"] == "13900000002"
    with _fast_by(FOUR_MINUTES_MS):
        assert b.sync().ok
    for laptop in (b, c):
        assert local_rows(laptop.path, "person", ("phone",))[pid] == ("13900000002",)
    for laptop in (a, b, c):
        laptop.close()


def test_a_push_that_lost_comes_back_to_its_laptop(hq: Hq, tmp_path: Path) -> None:
    """A laptop whose clock state was lost (its HLC reset, its wall clock slow) edits a
    value it had pulled: its edit sorts before the stored one and loses at HQ, and its
    next sync brings the value that stands back, though its cursor is past it."""
    a = Laptop.enrolled(hq, tmp_path / "a.db", "lost-a", hq.url)
    site = a.add_site("西岭村")
    (pid,) = a.add_persons(site, "LS", 1)
    assert a.sync().ok
    b = Laptop.enrolled(hq, tmp_path / "b.db", "lost-b", hq.url)
    with _fast_by(FOUR_MINUTES_MS):
        assert b.sync().ok
        b.edit(pid, phone="13800000001")
        assert b.sync().ok
    assert a.sync().ok
    a.store.set_meta("hlc", "")
    a.edit(pid, phone="13700000003")
    assert a.sync().ok
    assert hq_records(hq.database_url)[("person", pid)]["phone"] == "13800000001"
    assert local_rows(a.path, "person", ("phone",))[pid] == ("13800000001",)
    for laptop in (a, b):
        laptop.close()
