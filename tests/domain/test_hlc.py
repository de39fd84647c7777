"""Hybrid logical clock: monotonic, causal, tie-broken by node, drift-bounded."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import HLC, ClockDriftError, parse_ts


def test_timestamps_increase_even_when_the_wall_clock_stands_still() -> None:
    clock = HLC(node="a")
    stamps = [clock.now(wall_ms=1_000) for _ in range(5)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5


def test_wall_clock_going_back_does_not_go_back_in_time() -> None:
    clock = HLC(node="a")
    first = clock.now(wall_ms=5_000)
    assert clock.now(wall_ms=1_000) > first


def test_observing_a_remote_stamp_orders_later_local_stamps_after_it() -> None:
    mine = HLC(node="a")
    remote = HLC(node="b").now(wall_ms=9_000)
    mine.observe(remote, wall_ms=1_000)
    assert mine.now(wall_ms=1_000) > remote


def test_same_instant_on_two_devices_is_ordered_by_device_id() -> None:
    a = HLC(node="a").now(wall_ms=1_000)
    b = HLC(node="b").now(wall_ms=1_000)
    assert a < b
    assert parse_ts(a).wall_ms == parse_ts(b).wall_ms


def test_a_clock_far_ahead_is_refused() -> None:
    clock = HLC(node="a")
    future = HLC(node="b").now(wall_ms=4_000_000_000_000)  # year 2096
    with pytest.raises(ClockDriftError):
        clock.observe(future, max_drift_ms=300_000, wall_ms=1_795_000_000_000)
    assert clock.last == ""


@given(st.lists(st.integers(min_value=0, max_value=10**13 - 1), min_size=1, max_size=50))
def test_stamps_are_strictly_increasing_whatever_the_wall_clock_does(walls: list[int]) -> None:
    clock = HLC(node="dev")
    stamps = [clock.now(wall_ms=w) for w in walls]
    assert all(x < y for x, y in itertools.pairwise(stamps))
