"""An initial pull as a bulk load: the store's secondary indexes and derived data built once.

A new laptop's first pull brings a whole county (tens of thousands of persons, hundreds
of thousands of visits). Keeping every secondary index, the visit summary (migration
0003), the roster's search index (0004) and its search keys (0007) current row by row
costs most of that pull; building them once at the end costs a fraction.

:func:`begin` runs inside the transaction of the first page applied: it saves the SQL
of the secondary indexes and of the triggers that keep derived data, as they are in
this store, under the ``bulk_load`` key of ``local_meta``, and drops them. Unique
indexes (primary keys, card codes) stay: upserts and the code-clash check read them.
:func:`finish` runs inside the transaction of the last page: it creates the indexes
again, refills the derived tables from the rows (the visit summary with one ``INSERT ...
SELECT``: one pass over the visits, a sort of those with a must-visit reason, and one
step per person along the visits' index just made), creates the triggers again, and
removes the key. The file is not rewritten after (``VACUUM``): on the pull benchmark
that saved 2% of the store for a fifth of the store write's CPU, and it needs the
store's size again in free disk while it runs. A pull cut in between leaves the key in a
committed, consistent store (every page is whole); :func:`finish_interrupted`, which
opening a store runs, builds the derived structures before anything reads the store, and
the next pull resumes at the stored cursor with them in place.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine

from fieldkit.domain.models import SYNCED_TABLES
from fieldkit.store.plain import BULK_LOAD_KEY
from fieldkit.store.roster import rebuild_person_fts
from fieldkit.store.search_index import rebuild as rebuild_search_keys

__all__ = [
    "BULK_LOAD_KEY",
    "MIN_PAGE_ROWS",
    "begin",
    "finish",
    "finish_interrupted",
    "pending",
]

MIN_PAGE_ROWS = 1000
"""A pull becomes a bulk load only when its first page holds at least this many rows
(a county's first pull); a small scope is applied row by row as always."""

_INDEXED_TABLES = (
    *(str(m.__tablename__) for m in SYNCED_TABLES),
    "visit_summary",
    "person_search_key",
)
# The triggers that keep derived data: the visit summary, the search index, the search
# keys, and the persons' report versions (migration 0009: one upsert per row pulled).
_DERIVED_TRIGGERS = ("trg_visit_summary_", "trg_person_fts_", "trg_person_key_", "report_version_")


def pending(conn: Connection) -> bool:
    """Whether a bulk load is under way (or was cut) in this store."""
    found = conn.exec_driver_sql(
        "SELECT 1 FROM local_meta WHERE key = ?", (BULK_LOAD_KEY,)
    ).scalar()
    return found is not None


def is_empty(conn: Connection) -> bool:
    """Whether the store holds no person and no visit (a new laptop's first pull)."""
    found = conn.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM person) OR EXISTS (SELECT 1 FROM visit)"
    ).scalar()
    return not found


def _dropped_objects(conn: Connection) -> list[tuple[str, str, str, str]]:
    """(type, name, table, sql) of the secondary indexes and derived-data triggers, in
    schema order."""
    marks = ", ".join("?" * len(_INDEXED_TABLES))
    rows = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        f"(type = 'index' AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%')"
        " OR type = 'trigger') ORDER BY rowid",
        _INDEXED_TABLES,
    ).all()
    return [
        (kind, name, table, sql)
        for kind, name, table, sql in rows
        if kind == "index" or name.startswith(_DERIVED_TRIGGERS)
    ]


def begin(conn: Connection) -> None:
    """Save and drop the secondary indexes and derived-data triggers (inside a transaction)."""
    objects = _dropped_objects(conn)
    synced = set(_INDEXED_TABLES[:-2])
    saved = {
        # the synced tables' indexes are made before the derived data is rebuilt
        # (the rebuilds read through them), the derived tables' after (filled once)
        "indexes": [sql for kind, _, tbl, sql in objects if kind == "index" and tbl in synced],
        "derived_indexes": [
            sql for kind, _, tbl, sql in objects if kind == "index" and tbl not in synced
        ],
        "triggers": [sql for kind, _, _, sql in objects if kind == "trigger"],
    }
    conn.exec_driver_sql(
        "INSERT INTO local_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (BULK_LOAD_KEY, json.dumps(saved)),
    )
    for kind, name, _, _ in objects:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')


def _has_table(conn: Connection, name: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).scalar()
    return found is not None


def finish(conn: Connection) -> None:
    """Create the saved indexes, refill the derived data, create the saved triggers, and
    clear the bulk-load key (inside a transaction; nothing to do when none is saved)."""
    text = conn.exec_driver_sql(
        "SELECT value FROM local_meta WHERE key = ?", (BULK_LOAD_KEY,)
    ).scalar()
    if text is None:
        return
    from fieldkit.store.due_list import refill_visit_summary  # not loaded by every store open

    saved: dict[str, Any] = json.loads(text)
    for sql in saved["indexes"]:
        conn.exec_driver_sql(sql)
    if _has_table(conn, "visit_summary"):
        refill_visit_summary(conn)
    if _has_table(conn, "person_fts"):
        rebuild_person_fts(conn)
    if _has_table(conn, "person_search_key"):
        rebuild_search_keys(conn)
    if _has_table(conn, "report_person_version"):
        _raise_kept_versions(conn)
    for sql in saved.get("derived_indexes", []):
        conn.exec_driver_sql(sql)
    for sql in saved["triggers"]:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql("DELETE FROM local_meta WHERE key = ?", (BULK_LOAD_KEY,))


def _raise_kept_versions(conn: Connection) -> None:
    """Raise the report version of every person the quarterly report kept figures for.

    The versions' triggers were off during the load. A version only tells whether a
    row of ``report_replay`` still holds (a person without one is at version 0), and a
    store that starts a bulk load holds no person nor visit, so raising the versions of
    the persons ``report_replay`` names invalidates every kept row the load could make
    stale; the other persons need no version row (the triggers raise them from here on).
    """
    conn.exec_driver_sql(
        "INSERT INTO report_person_version (person_id, version)"
        " SELECT DISTINCT person_id, 1 FROM report_replay WHERE true"
        " ON CONFLICT (person_id) DO UPDATE SET version = version + 1"
    )


def finish_interrupted(engine: Engine) -> None:
    """Finish a bulk load a cut pull left (run when a store opens, before anything reads it)."""
    with engine.connect() as conn:
        if not _has_table(conn, "local_meta") or not pending(conn):
            return
    with engine.execution_options(sqlite_immediate=True).begin() as conn:
        finish(conn)  # again inside the write lock: another process may have finished it
