"""Laptops of the convergence tests: each with its own wall clock, synced step by step.

A :class:`ClockedLaptop` is a real laptop store (SQLite file) enrolled with a real
HQ; everything it does runs under its own wall clock (an offset from the system
clock, see :func:`sync.hlc.wall_clock`). :func:`scope_mismatches` compares a
laptop with HQ field by field on every synced table.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hq_process import Hq
from laptop_kit import Laptop, hq_scoped_records

from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import SyncClient, SyncResult, pull_all, push_all
from sync.hlc import wall_clock

__all__ = ["DRIFT_MS", "ClockedLaptop", "scope_mismatches"]

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


def _local_table(path: Path, tbl: str, columns: list[str]) -> dict[str, tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in ["id", *columns])
    conn = sqlite3.connect(path)
    try:
        return {r[0]: tuple(r) for r in conn.execute(f'SELECT {cols} FROM "{tbl}"')}
    finally:
        conn.close()


def scope_mismatches(hq: Hq, laptop: Laptop) -> list[str]:
    """Where the laptop differs from HQ's records in its scope, field by field, on every
    synced table: rows it lacks, rows it should not hold, and each differing field.

    HQ's values are turned into the laptop's storage form by the same plan a pull
    uses (dates, times, flags, search keys), so any difference is a real one.
    """
    scope = StoreReplica(laptop.store).scope()
    held = hq_scoped_records(hq.database_url)
    out: list[str] = []
    for tbl, plan in StoreReplica(laptop.store).plans.items():
        names = ["id", *plan.columns] + (
            ["search_full", "search_initials"] if plan.is_person else []
        )
        want = {
            row_id: plan.row(row_id, data)
            for (t, row_id), (key, data) in held.items()
            if t == tbl and (scope is None or key in scope)
        }
        have = _local_table(laptop.path, tbl, names[1:])
        for row_id in sorted(want.keys() - have.keys()):
            out.append(f"{tbl} {row_id}: at HQ, not on the laptop")
        for row_id in sorted(have.keys() - want.keys()):
            out.append(f"{tbl} {row_id}: on the laptop, not at HQ in its scope")
        for row_id in sorted(want.keys() & have.keys()):
            for name, hq_value, local in zip(names, want[row_id], have[row_id], strict=True):
                if hq_value != local:
                    out.append(f"{tbl} {row_id}.{name}: HQ {hq_value!r}, laptop {local!r}")
    return out
