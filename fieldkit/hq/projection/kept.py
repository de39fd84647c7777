"""The care-plan figures kept per person and quarter at HQ, and the versions that say
whether they are still valid (:mod:`fieldkit.reports.kept` tells how they are used).

- ``report_person_version``: one row per person whose file, events or visits were
  ever written through the hook; :func:`bump_versions` raises it in the transaction
  of every write (a person without a row is at version 0);
- ``report_replay``: the kept rows, made by reports (never by a push), keyed by
  quarter, policy digest and person;
- ``report_replay_sum``: those rows added up per quarter, policy, site, relocation flag,
  category and tier, kept by the same transactions (:data:`replay_sum`);
- ``report_kept_mark``: per quarter and policy, the last report over every site.

A push pays one statement (on PostgreSQL): an index probe per visit or event it
writes (the person the projection held the record under, in case a correction moved
it to another person) and an upsert per person it touched, in person order (one lock
order for concurrent pushes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from fieldkit.hq.projection import tables as p
from fieldkit.reports.kept import KEPT_COLUMNS, OUTCOME_COLUMNS
from sync.server.settings import WrittenRecord

__all__ = [
    "KEEP_LOCK",
    "SUM_COUNTERS",
    "SUM_KEYS",
    "bump_versions",
    "kept_mark",
    "metadata",
    "person_version",
    "refill_replay_sums",
    "replay",
    "replay_sum",
    "replay_sum_changes",
]

metadata = MetaData()
"""These tables (apart from the projection's: a rebuild leaves the versions alone)."""

person_version = Table(
    "report_person_version",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_by", BigInteger),
    Index("ix_report_person_version_changed", "changed_by"),
)
"""``changed_by``: on PostgreSQL the id of the transaction that last raised the version
(``pg_current_xact_id()``; NULL on SQLite and for versions raised before migration
h0004)."""

kept_mark = Table(
    "report_kept_mark",
    metadata,
    Column("quarter", String(8), primary_key=True),
    Column("policy", String(32), primary_key=True),
    Column("system", String(32), nullable=False),
    Column("oldest", BigInteger, nullable=False),
    Column("relocation", Text, nullable=False),
)
"""Per quarter and policy, when a report over every site last stored its rows (on
PostgreSQL): the oldest transaction still running when its snapshot was taken
(``pg_snapshot_xmin``), the database cluster it ran on (``system_identifier``) and the
relocation sites it saw (a JSON list of ids).
Every person whose version was last raised by an older transaction has a valid kept
row or is not live (see :mod:`fieldkit.hq.report_source`)."""

_TEXT = {"quarter": 8, "policy": 32, "person_id": 64, "site_id": 64, "category": 32,
         "tier": 32, "last_visit": 10}  # fmt: skip
replay = Table(
    "report_replay",
    metadata,
    *(
        Column(
            name,
            String(_TEXT[name]) if name in _TEXT else Integer,
            primary_key=name in ("quarter", "policy", "person_id"),
            nullable=name == "last_visit",
        )
        for name in KEPT_COLUMNS
    ),
    Index(
        "ix_report_replay_unvisited",
        "quarter",
        "policy",
        postgresql_where=text("unvisited = 1"),
        sqlite_where=text("unvisited = 1"),
    ),
)
assert len(KEPT_COLUMNS) == 14 + len(OUTCOME_COLUMNS)

KEEP_LOCK = 7_413_211
"""The advisory lock (PostgreSQL) held by whatever stores or deletes kept rows: reports
storing theirs, and a rebuild (the rows' sums are corrected by difference from the rows
read under it)."""

SUM_KEYS = ("quarter", "policy", "site_id", "relocation", "category", "tier")
"""The key of ``report_replay_sum``: the kept rows' columns they are grouped by."""
SUM_COUNTERS = ("persons", "served", "new_file", "moved_away", "deceased",
                *(c for _, _, c in OUTCOME_COLUMNS))  # fmt: skip
"""Its counters: the rows (``persons``), then the sums of these columns of the rows."""
replay_sum = Table(
    "report_replay_sum",
    metadata,
    *(
        Column(name, String(_TEXT[name]) if name in _TEXT else Integer, primary_key=True)
        for name in SUM_KEYS
    ),
    *(Column(name, Integer, nullable=False) for name in SUM_COUNTERS),
)
"""Every kept row of ``report_replay``, valid or not, added up per quarter, policy, site,
relocation flag, category and tier (migration h0005): kept by the transaction that
stores or deletes kept rows (:func:`replay_sum_changes`), so that a report adds up a few
hundred rows and takes out the stale rows of the persons changed since its mark
instead of summing every kept row (:mod:`fieldkit.hq.report_source`). A group left
without rows is deleted. Always equal to :func:`refill_replay_sums`' recomputation."""

_SUM_SELECT = (
    f"SELECT {', '.join(SUM_KEYS)}, count(*), "
    + ", ".join(f"sum({c})" for c in SUM_COUNTERS[1:])
    + f" FROM report_replay GROUP BY {', '.join(SUM_KEYS)}"
)


def refill_replay_sums(conn: Connection) -> int:
    """Empty ``report_replay_sum`` and add up every kept row again (one ``INSERT ...
    SELECT``); the groups made."""
    conn.execute(replay_sum.delete())
    columns = ", ".join((*SUM_KEYS, *SUM_COUNTERS))
    return conn.execute(text(f"INSERT INTO {replay_sum.name} ({columns}) {_SUM_SELECT}")).rowcount


SumKey = tuple[Any, ...]


def replay_sum_changes(
    rows: Iterable[Mapping[Any, Any]], sign: int, into: dict[SumKey, list[int]]
) -> None:
    """Count kept rows (statement parameters or result rows with :data:`KEPT_COLUMNS`)
    into the differences ``into`` of ``report_replay_sum``: in (``sign`` 1) or out (-1)."""
    for row in rows:
        key = tuple(row[k] for k in SUM_KEYS)
        found = into.get(key)
        if found is None:
            found = into[key] = [0] * len(SUM_COUNTERS)
        found[0] += sign
        for i, name in enumerate(SUM_COUNTERS[1:], 1):
            found[i] += sign * int(row[name])


_PERSON_CHILDREN = {"visit": p.visit, "person_event": p.event}
"""Synced tables whose records belong to a person, with their projection table."""
_CHUNK = 1000


def _touched(conn: Connection, written: Sequence[WrittenRecord]) -> set[str]:
    """The persons whose file, events or visits ``written`` changes: each record's person
    now, and the one the projection holds it under (a record moved to another person)."""
    persons: set[str] = set()
    children: dict[str, list[str]] = {}
    for rec in written:
        if rec.tbl == "person":
            persons.add(rec.id)
        elif rec.tbl in _PERSON_CHILDREN:
            person_id = rec.data.get("person_id")
            if isinstance(person_id, str):
                persons.add(person_id)
            children.setdefault(rec.tbl, []).append(rec.id)
    for tbl, ids in children.items():
        table = _PERSON_CHILDREN[tbl]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            found = conn.execute(select(table.c.person_id).where(table.c.id.in_(chunk)))
            persons.update(row[0] for row in found)
    return persons


def bump_versions(conn: Connection, written: Sequence[WrittenRecord]) -> None:
    """Raise the version of every person ``written`` touches (call before the projection
    rows are written: it reads the persons they were held under). On PostgreSQL one
    statement does it all."""
    if conn.dialect.name == "postgresql":
        _bump_on_postgresql(conn, written)
        return
    persons = sorted(_touched(conn, written))  # one lock order for concurrent writes
    if not persons:
        return
    from sqlalchemy.dialects import sqlite

    stmt = sqlite.insert(person_version)
    stmt = stmt.on_conflict_do_update(
        index_elements=["person_id"], set_={"version": person_version.c.version + 1}
    )
    for start in range(0, len(persons), _CHUNK * 5):
        chunk = persons[start : start + _CHUNK * 5]
        conn.execute(stmt, [{"person_id": pid, "version": 1} for pid in chunk])


_BUMP_SQL = (
    "INSERT INTO report_person_version (person_id, version, changed_by)"
    " SELECT person_id, 1, CAST(CAST(pg_current_xact_id() AS text) AS bigint) FROM ("
    " SELECT unnest(CAST(:persons AS text[])) AS person_id"
    " UNION SELECT person_id FROM report_visit WHERE id = ANY(CAST(:visits AS text[]))"
    " UNION SELECT person_id FROM report_event WHERE id = ANY(CAST(:events AS text[]))"
    ") AS touched ORDER BY person_id"
    " ON CONFLICT (person_id) DO UPDATE SET version = report_person_version.version + 1,"
    " changed_by = excluded.changed_by"
)
"""The persons named, and those holding the visits and events named (in one lock order)."""


def _bump_on_postgresql(conn: Connection, written: Sequence[WrittenRecord]) -> None:
    persons: set[str] = set()
    ids: dict[str, list[str]] = {"visit": [], "person_event": []}
    for rec in written:
        if rec.tbl == "person":
            persons.add(rec.id)
        elif rec.tbl in ids:
            ids[rec.tbl].append(rec.id)
            person_id = rec.data.get("person_id")
            if isinstance(person_id, str):
                persons.add(person_id)
    if persons:
        conn.execute(
            text(_BUMP_SQL),
            {"persons": sorted(persons), "visits": ids["visit"], "events": ids["person_event"]},
        )
