"""Hybrid logical clocks (HLC): fixed-width text on the wire, compared as numbers.

A timestamp travels as ``"{wall_ms:013d}-{counter:05d}-{node}"``: 13 ASCII
digits of wall time in milliseconds, 5 ASCII digits of counter, and the node
(device) id (ASCII letters, digits, ``_ . -``, at most 64). :func:`parse_ts`
accepts exactly that and nothing else (no other digits, no ``_`` inside a
number, no sign or space), and clocks are compared as parsed
:class:`Timestamp` tuples (wall time, then counter, then node), never as text:
ties between devices are broken by node id, and every timestamp of a system is
unique.

Wall time comes from :func:`wall_ms`; :func:`wall_clock` replaces its source for a
block (a laptop whose clock runs fast, slow or jumps back, in tests).

The receive rule: a node merges (:meth:`HLC.observe`) every clock it receives, so
every timestamp it issues afterwards sorts after every value it has seen.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "HLC",
    "NEVER",
    "ClockDriftError",
    "Timestamp",
    "format_ts",
    "parse_ts",
    "stored_ts",
    "wall_clock",
    "wall_ms",
]

_COUNTER_MAX = 99_999
_FORM = re.compile(r"([0-9]{13})-([0-9]{5})-([A-Za-z0-9_.\-]{1,64})")


class Timestamp(NamedTuple):
    """A parsed HLC timestamp; tuples order as the clocks do."""

    wall_ms: int
    counter: int
    node: str


NEVER = Timestamp(-1, -1, "")
"""Sorts before every real timestamp."""


class ClockDriftError(ValueError):
    """A timestamp too far ahead of the local wall clock to be trusted."""


def format_ts(ts: Timestamp) -> str:
    """Render a timestamp in its wire form."""
    return f"{ts.wall_ms:013d}-{ts.counter:05d}-{ts.node}"


def parse_ts(text: str) -> Timestamp:
    """Parse the wire form strictly; raises ``ValueError`` on anything else."""
    found = _FORM.fullmatch(text) if type(text) is str else None
    if found is None:
        raise ValueError(f"not an HLC timestamp: {text!r}")
    wall, counter, node = found.groups()
    return Timestamp(int(wall), int(counter), node)


def stored_ts(text: str) -> Timestamp:
    """A clock read back from storage: malformed ones (kept from before strict
    parsing) sort as :data:`NEVER`, so any real clock wins over them."""
    try:
        return parse_ts(text)
    except ValueError:
        return NEVER


def _system_ms() -> int:
    return time.time_ns() // 1_000_000


_wall_source: Callable[[], int] = _system_ms


def wall_ms() -> int:
    """This machine's wall clock in milliseconds (the system clock unless replaced)."""
    return _wall_source()


@contextmanager
def wall_clock(source: Callable[[], int]) -> Iterator[None]:
    """Read wall time from ``source`` (milliseconds) until the block ends.

    Process-wide: for tests that play several machines in one process, one at a time.
    """
    global _wall_source
    before = _wall_source
    _wall_source = source
    try:
        yield
    finally:
        _wall_source = before


@dataclass
class HLC:
    """The clock of one node. Not thread-safe: keep one per writer.

    ``last`` is the last timestamp issued or received, in wire form ("" if none).
    """

    node: str
    last: str = ""

    def now(self, wall_ms: int | None = None) -> str:
        """Issue a new timestamp, later than every one seen so far."""
        wall = _wall_source() if wall_ms is None else wall_ms
        prev = stored_ts(self.last) if self.last else NEVER
        if wall > prev.wall_ms:
            ts = Timestamp(wall, 0, self.node)
        elif prev.counter < _COUNTER_MAX:
            ts = Timestamp(prev.wall_ms, prev.counter + 1, self.node)
        else:
            ts = Timestamp(prev.wall_ms + 1, 0, self.node)
        self.last = format_ts(ts)
        return self.last

    def observe(
        self, remote: str, max_drift_ms: int | None = None, wall_ms: int | None = None
    ) -> None:
        """Merge a timestamp received from elsewhere so later local ones sort after it.

        With ``max_drift_ms``, a remote timestamp that far ahead of the wall clock raises
        :class:`ClockDriftError` and is not merged.
        """
        wall = _wall_source() if wall_ms is None else wall_ms
        r = parse_ts(remote)
        if max_drift_ms is not None and r.wall_ms > wall + max_drift_ms:
            raise ClockDriftError(
                f"clock {remote} is {(r.wall_ms - wall) / 1000:.0f} s ahead of this clock"
            )
        mine = Timestamp(r.wall_ms, r.counter, self.node)
        if not self.last or mine > stored_ts(self.last):
            self.last = format_ts(mine)
