"""Laptops made through the real store and public sync API, and what HQ and laptops hold."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from fieldkit.domain.ids import decode_id
from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind, Tier, VisitReason
from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from fieldkit.syncing import SyncReport, enroll, sync_now
from sync.client import SyncClient
from sync.server import tables as t
from tests.support.hq_process import Hq
from tests.support.store_copies import new_store
from tests.support.stored_ids import as_text

__all__ = [
    "Laptop",
    "hq_conflicts",
    "hq_records",
    "hq_scoped_records",
    "hq_watermark",
    "integrity",
    "local_rows",
    "outbox_states",
    "scope_mismatches",
]


@dataclass
class Laptop:
    """A laptop store enrolled with HQ at ``url`` (usually a fault proxy's)."""

    path: Path
    store: Store
    user: str

    @classmethod
    def enrolled(
        cls, hq: Hq, path: Path, user: str, url: str, *, role: str = "admin", sites: str = ""
    ) -> Laptop:
        """Add ``user`` at HQ and enroll a new store at ``path`` through ``url``."""
        extra = ("--sites", sites) if sites else ()
        hq.admin("add-user", user, "--role", role, *extra)
        store = new_store(path)
        enroll(store, url, hq.enroll_code(user))
        return cls(path, store, user)

    @property
    def device_id(self) -> str:
        """The store's device id (HQ's id of this device)."""
        return self.store.device_id

    def client(self, url: str) -> SyncClient:
        """A sync client of this laptop's device talking to ``url`` (HQ or a proxy)."""
        return SyncClient(
            url, self.store.meta("device_token"), schema_version=sync_schema().version
        )

    def sync(self) -> SyncReport:
        """``sync_now`` on this store."""
        return sync_now(self.store)

    def add_site(self, name: str) -> str:
        """A new site; returns its id."""
        with self.store.write() as s:
            site = Site(name=name, county="甘洛县", kind=SiteKind.RELOCATION)
            s.add(site)
        return site.id

    def add_persons(self, site_id: str, prefix: str, n: int) -> list[str]:
        """``n`` new persons in one transaction; returns their ids."""
        ids: list[str] = []
        with self.store.write() as s:
            for i in range(n):
                p = Person(
                    code=f"{prefix}-{i:04d}",
                    name=f"李{prefix}{i}",
                    site_id=site_id,
                    birth_date=date(1942, 3, 1 + i % 28),
                    tier=Tier.KEY,
                )
                s.add(p)
                ids.append(p.id)
        return ids

    def add_visits(self, person_ids: list[str], site_id: str) -> list[str]:
        """One visit per person, in one transaction; returns their ids."""
        ids: list[str] = []
        with self.store.write() as s:
            for pid in person_ids:
                v = Visit(
                    person_id=pid,
                    site_id=site_id,
                    reason=VisitReason.FESTIVAL,
                    visited_at=datetime(2026, 9, 30, 10, 0),
                    visitors="王芳",
                    money_fen=5000,
                )
                s.add(v)
                ids.append(v.id)
        return ids

    def edit(self, pid: str, **values: Any) -> None:
        """Change fields of one person in one transaction."""
        with self.store.write() as s:
            p = s.get(Person, pid)
            assert p is not None, pid
            for k, v in values.items():
                setattr(p, k, v)

    def last_seq(self) -> int:
        """The newest outbox sequence number."""
        conn = sqlite3.connect(self.path)
        try:
            return int(conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        finally:
            conn.close()

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def outbox_states(path: Path) -> Counter[str]:
    """How many outbox entries are in each state."""
    conn = sqlite3.connect(path)
    try:
        return Counter(
            {s: n for s, n in conn.execute("SELECT state, count(*) FROM outbox GROUP BY state")}
        )
    finally:
        conn.close()


def local_rows(path: Path, tbl: str, fields: tuple[str, ...] = ()) -> dict[str, tuple[Any, ...]]:
    """Rows of one table in a laptop file (plain sqlite3): id -> the given fields (ids
    as text)."""
    cols = ", ".join(("id", *fields))
    conn = sqlite3.connect(path)
    try:
        rows = as_text(conn.execute(f"SELECT {cols} FROM {tbl}"))
        return {r[0]: tuple(r[1:]) for r in rows}
    finally:
        conn.close()


def integrity(path: Path, *, pull_done: bool = True) -> str:
    """``PRAGMA integrity_check`` and ``foreign_key_check`` of a laptop file: "ok" when
    the file is whole and every row's parent is there, else what is wrong.

    With ``pull_done=False`` (a pull cut half-way: pages come in revision order, so a
    child may have arrived before its parent) only the file is checked.
    """
    conn = sqlite3.connect(path)
    try:
        check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall() if pull_done else []
    finally:
        conn.close()
    if orphans:
        return f"{check}; rows whose parent is missing (table, rowid, parent): {orphans[:10]}"
    return check


def hq_records(database_url: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record at HQ: (tbl, id) -> its current values (plus ``deleted``)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.record.c.tbl, t.record.c.id, t.record.c.data, t.record.c.deleted)
            ).all()
    finally:
        engine.dispose()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        assert (row.tbl, row.id) not in out, f"record {row.tbl} {row.id} twice at HQ"
        out[(row.tbl, row.id)] = {**json.loads(row.data), "deleted": bool(row.deleted)}
    return out


def hq_scoped_records(database_url: str) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """Every record at HQ: (tbl, id) -> (its scope key, its current values)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.record.c.tbl, t.record.c.id, t.record.c.scope, t.record.c.data)
            ).all()
    finally:
        engine.dispose()
    return {(row.tbl, row.id): (row.scope, json.loads(row.data)) for row in rows}


def hq_watermark(database_url: str, device_id: str) -> int:
    """The device's push watermark at HQ."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(t.device.c.watermark).where(t.device.c.id == device_id)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def hq_conflicts(database_url: str) -> list[dict[str, Any]]:
    """Every conflict record at HQ."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t.conflict))]
    finally:
        engine.dispose()


def _local_table(path: Path, tbl: str, columns: list[str]) -> dict[str, tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in ["id", *columns])
    conn = sqlite3.connect(path)
    try:
        # keyed by the id as text, the values as stored (as a pull's plan makes them)
        return {decode_id(r[0]): tuple(r) for r in conn.execute(f'SELECT {cols} FROM "{tbl}"')}
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
