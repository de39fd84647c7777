"""Records made on a laptop through the real store, and what a store or HQ holds."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, select

from fieldkit.domain.ids import decode_id
from fieldkit.domain.models import SYNCED_TABLES, Person, Site, Visit
from fieldkit.domain.vocab import SiteKind, Tier, VisitReason
from fieldkit.store import Store
from sync.server import tables as t

__all__ = ["add_persons", "add_site", "add_visits", "hq_rows", "laptop_rows"]


def add_site(path: Path, name: str) -> str:
    """Create a site on the laptop store at ``path``; returns its id."""
    store = Store(path)
    with store.write() as s:
        site = Site(name=name, county="甘洛县", kind=SiteKind.RELOCATION)
        s.add(site)
    store.close()
    return site.id


def add_persons(path: Path, site_id: str, prefix: str, n: int) -> list[str]:
    """Create ``n`` persons with restricted fields filled in; returns their ids."""
    store = Store(path)
    ids: list[str] = []
    with store.write() as s:
        for i in range(n):
            p = Person(
                code=f"{prefix}-{i:04d}",
                name=f"张{prefix}{i}",
                site_id=site_id,
                birth_date=date(1940, 1, 1 + i % 28),
                health="高血压，行动不便",
                id_number=f"51343419400101{i:04d}",
                family="独子在外地务工",
                tier=Tier.KEY,
            )
            s.add(p)
            ids.append(p.id)
    store.close()
    return ids


def add_visits(
    path: Path, person_ids: list[str], site_id: str, money_fen: int = 20000
) -> list[str]:
    """Record one visit per person; returns the visit ids."""
    store = Store(path)
    ids: list[str] = []
    with store.write() as s:
        for pid in person_ids:
            v = Visit(
                person_id=pid,
                site_id=site_id,
                reason=VisitReason.FESTIVAL,
                visited_at=datetime(2026, 9, 30, 10, 0),
                visitors="王芳",
                money_fen=money_fen,
            )
            s.add(v)
            ids.append(v.id)
    store.close()
    return ids


def laptop_rows(path: Path) -> dict[str, set[str]]:
    """Ids per synced table in a laptop's SQLite file, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        return {
            str(m.__tablename__): {
                decode_id(r[0]) for r in conn.execute(f"SELECT id FROM {m.__tablename__}")
            }
            for m in SYNCED_TABLES
        }
    finally:
        conn.close()


def hq_rows(database_url: str) -> dict[str, set[str]]:
    """Ids per table held at HQ."""
    engine = create_engine(database_url)
    out: dict[str, set[str]] = {str(m.__tablename__): set() for m in SYNCED_TABLES}
    with engine.connect() as conn:
        for tbl, row_id in conn.execute(select(t.record.c.tbl, t.record.c.id)):
            out[tbl].add(row_id)
    engine.dispose()
    return out
