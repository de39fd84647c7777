"""Applying a pulled page: relaxed fsync for the page only, settings restored after."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from fieldkit.store import Store
from fieldkit.store.replica import StoreReplica
from sync.protocol import PulledRecord, PullPage


def page(site_id: str) -> PullPage:
    return PullPage(
        epoch="e1",
        cursor=f"e1:1:1:site:{site_id}",
        more=False,
        seen_rev=1,
        role="staff",
        scope=[site_id],
        records=[
            PulledRecord(
                tbl="site",
                id=site_id,
                rev=1,
                data={"name": "东山", "county": "", "kind": "village", "address": ""},
            )
        ],
    )


def test_a_page_leaves_the_connection_as_local_saves_need_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "pull.db")
    replica = StoreReplica(store)
    done = replica.apply_page(page("site-1"))
    assert done.stored == 1
    assert replica.cursor() == "e1:1:1:site:site-1"
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with store.read() as s:
        names = s.connection().execute(text("SELECT name FROM site")).scalars().all()
    assert names == ["东山"]
