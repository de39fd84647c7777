"""Laptops of the convergence tests: each with its own wall clock, synced step by step.

A :class:`ClockedLaptop` is a real laptop store (SQLite file) enrolled with a real
HQ; everything it does runs under its own wall clock (an offset from the system
clock, see :func:`sync.hlc.wall_clock`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, SyncResult, pull_all, push_all
from sync.hlc import wall_clock
from tests.support.laptop_kit import Laptop

__all__ = ["DRIFT_MS", "ClockedLaptop"]

DRIFT_MS = 5 * 60 * 1000
"""HQ's allowance for clocks running ahead (``fieldkit serve``'s default)."""


def _system_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class ClockedLaptop:
    """A laptop whose wall clock is ``offset_ms`` off the system clock."""

    laptop: Laptop
    offset_ms: int
    sites: list[str]

    @contextmanager
    def clock(self) -> Iterator[None]:
        """Run the block on this laptop's wall clock."""
        offset = self.offset_ms
        with wall_clock(lambda: _system_ms() + offset):
            yield

    def _client(self) -> SyncClient:
        store = self.laptop.store
        return SyncClient(
            store.meta("server_url") or "",
            store.meta("device_token"),
            schema_version=sync_schema().version,
        )

    def push(self) -> SyncResult:
        """Push every pending change; HQ must reject none."""
        with self.clock(), self._client() as client:
            result = push_all(client, StoreReplica(self.laptop.store))
        assert result.rejected == 0, result.rejected_reasons
        return result

    def pull(self) -> SyncResult:
        """Pull every page and the conflict markers."""
        with self.clock(), self._client() as client:
            return pull_all(client, StoreReplica(self.laptop.store))
