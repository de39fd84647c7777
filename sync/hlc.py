"""Hybrid logical clocks (HLC) as fixed-width strings that sort in causal order.

A timestamp is ``"{wall_ms:013d}-{counter:05d}-{node}"``: comparing two strings
compares wall time, then the counter, then the node (device) id, so ties between
devices are broken by device id and every timestamp of a system is unique.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["HLC", "ClockDriftError", "Timestamp", "format_ts", "parse_ts"]

_COUNTER_MAX = 99_999


class Timestamp(NamedTuple):
    """A parsed HLC timestamp."""

    wall_ms: int
    counter: int
    node: str


class ClockDriftError(ValueError):
    """A timestamp too far ahead of the local wall clock to be trusted."""


def format_ts(ts: Timestamp) -> str:
    """Render a timestamp in its sortable string form."""
    return f"{ts.wall_ms:013d}-{ts.counter:05d}-{ts.node}"


def parse_ts(text: str) -> Timestamp:
    """Parse the string form; raises ``ValueError`` on anything else."""
    wall, counter, node = text.split("-", 2)
    if len(wall) != 13 or len(counter) != 5 or not node:
        raise ValueError(f"not an HLC timestamp: {text!r}")
    return Timestamp(int(wall), int(counter), node)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class HLC:
    """The clock of one node. Not thread-safe: keep one per writer.

    ``last`` is the last timestamp issued or received, in string form ("" if none).
    """

    node: str
    last: str = ""

    def now(self, wall_ms: int | None = None) -> str:
        """Issue a new timestamp, later than every one seen so far."""
        wall = _now_ms() if wall_ms is None else wall_ms
        if self.last:
            prev = parse_ts(self.last)
            if wall > prev.wall_ms:
                ts = Timestamp(wall, 0, self.node)
            elif prev.counter < _COUNTER_MAX:
                ts = Timestamp(prev.wall_ms, prev.counter + 1, self.node)
            else:
                ts = Timestamp(prev.wall_ms + 1, 0, self.node)
        else:
            ts = Timestamp(wall, 0, self.node)
        self.last = format_ts(ts)
        return self.last

    def observe(
        self, remote: str, max_drift_ms: int | None = None, wall_ms: int | None = None
    ) -> None:
        """Merge a timestamp received from elsewhere so later local ones sort after it.

        With ``max_drift_ms``, a remote timestamp that far ahead of the wall clock raises
        :class:`ClockDriftError` and is not merged.
        """
        wall = _now_ms() if wall_ms is None else wall_ms
        r = parse_ts(remote)
        if max_drift_ms is not None and r.wall_ms > wall + max_drift_ms:
            raise ClockDriftError(
                f"clock {remote} is {(r.wall_ms - wall) / 1000:.0f} s ahead of this clock"
            )
        mine = Timestamp(r.wall_ms, r.counter, self.node)
        if not self.last or format_ts(mine) > self.last:
            self.last = format_ts(mine)
