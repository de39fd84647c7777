"""Typed reads of the records HQ holds, for the console (SQLite and PostgreSQL).

HQ keeps every synced row as JSON text in ``sync_record`` (one row per table and
id, with its scope, per-field clocks and revision). The Overview's and the due
list's figures come from HQ's typed projection (:mod:`fieldkit.console.projected`,
re-exported here); the lists, a person's file and who wrote what are read here from
the records themselves, a page at a time. Each record's JSON is parsed once per statement
(see :class:`_Sql`). A child row's person is ``sync_record.parent``
(kept by HQ for tables whose scope follows a parent), so finding a person's
visits is an index seek, not a JSON scan.

Field names in the SQL below are constants of this module, never user input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, text

from fieldkit.console.projected import (
    CareFacts,
    SiteInfo,
    candidate_facts,
    care_facts,
    person_counts,
    relocation_site_ids,
    sites,
    visits_by_day,
)
from sync.server import tables as t
from sync.server.hq_writes import HQ_NODE

__all__ = [
    "CareFacts",
    "Changed",
    "DeviceInfo",
    "Origin",
    "PersonFile",
    "PersonRow",
    "SiteInfo",
    "TimelineEntry",
    "VisitRow",
    "arrival_times",
    "candidate_facts",
    "care_facts",
    "changed_since",
    "device_directory",
    "head_revision",
    "hlc_time",
    "person_counts",
    "person_file",
    "persons_page",
    "relocation_site_ids",
    "sites",
    "timeline",
    "visits_by_day",
    "visits_page",
]


class _Sql:
    """How the dialect reads JSON fields of ``sync_record.data``.

    :meth:`rows` is a subquery ``r`` of one table's live records with the named fields
    extracted once per row as columns (``r.f_<name>``, see :meth:`get`). On
    PostgreSQL each record's text is parsed once, as ``jsonb``, in an inner subquery
    and the fields read from it in an outer one, both kept by ``OFFSET 0`` (inlined,
    the planner would parse the text again at every mention of a field; a ``json``
    cast per field validates the whole text each time: twice as slow, measured).
    """

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"

    @staticmethod
    def get(name: str) -> str:
        """The column of field ``name`` in :meth:`rows` (text, or a number on SQLite)."""
        return f"r.f_{name}"

    @staticmethod
    def number(name: str) -> str:
        """Field ``name`` as a whole number."""
        return f"CAST(r.f_{name} AS BIGINT)"

    def rows(self, tbl: str, fields: Sequence[str]) -> str:
        """The live records of ``tbl`` as ``r``: id, scope, parent, rev and ``fields``."""
        live = f"FROM {t.record.name} WHERE tbl = '{tbl}' AND NOT deleted"
        if self.pg:
            cols = "".join(f", j ->> '{f}' AS f_{f}" for f in fields)
            inner = f"SELECT id, scope, parent, rev, CAST(data AS jsonb) AS j {live} OFFSET 0"
            return f"(SELECT id, scope, parent, rev{cols} FROM ({inner}) AS a OFFSET 0) AS r"
        cols = "".join(f", json_extract(data, '$.{f}') AS f_{f}" for f in fields)
        return f"(SELECT id, scope, parent, rev{cols} {live}) AS r"


def head_revision(conn: Connection) -> int:
    """HQ's latest revision (changes whenever any record, conflict or exit changes)."""
    rev = conn.execute(select(t.server_state.c.rev).where(t.server_state.c.id == 1)).scalar()
    return int(rev or 0)


@dataclass(frozen=True)
class Changed:
    """Whose care facts the records changed after a revision can have changed."""

    persons: set[str]
    """The persons whose own record, visits or events changed."""
    all_persons: bool
    """A site changed, or a visit or event may have moved to another person: anyone's
    facts may have changed."""


_PERSON_OF = {"visit": "person_id", "person_event": "person_id"}


def changed_since(conn: Connection, rev: int) -> Changed:
    """What changed in HQ's records after revision ``rev`` (an index range on ``rev``)."""
    r = t.record.c
    persons: set[str] = set()
    rows = conn.execute(
        select(r.tbl, r.id, r.parent, r.clocks).where(
            r.rev > rev, r.tbl.in_(("site", "person", *_PERSON_OF))
        )
    )
    for tbl, row_id, parent, clocks in rows:
        if tbl == "site":
            return Changed(set(), all_persons=True)
        if tbl == "person":
            persons.add(row_id)
            continue
        clock = json.loads(clocks)
        made, link = clock.get("*"), clock.get(_PERSON_OF[tbl])
        changed_link = isinstance(link, list) and len(link) == 3 and int(link[1]) > rev
        if changed_link and not (isinstance(made, list) and len(made) == 3 and int(made[1]) > rev):
            return Changed(set(), all_persons=True)  # an older record changed its person
        if parent:
            persons.add(parent)
    return Changed(persons, all_persons=False)


@dataclass(frozen=True)
class DeviceInfo:
    """A device as the console names it."""

    id: str
    name: str
    user: str


def device_directory(conn: Connection) -> dict[str, DeviceInfo]:
    """Every device by id, with its user's name."""
    d = t.device.c
    rows = conn.execute(
        select(d.id, d.name, t.user.c.name.label("user")).join(t.user, t.user.c.id == d.user_id)
    )
    return {row.id: DeviceInfo(id=row.id, name=row.name, user=row.user) for row in rows}


@dataclass(frozen=True)
class Origin:
    """Who wrote a value: the device, its user, when (device clock) and HQ's revision."""

    device_id: str
    device_name: str
    user: str
    at: datetime | None
    rev: int
    at_hq: bool = False
    """Written at HQ itself (an admin's decision), not by a device."""
    arrived: datetime | None = None
    """When the write of revision ``rev`` reached HQ (None: before HQ kept the time)."""


def hlc_time(hlc: str) -> datetime | None:
    """The wall time of a clock (when the device made the change), or None."""
    wall = str(hlc).split("-", 1)[0]
    return datetime.fromtimestamp(int(wall) / 1000, UTC) if wall.isdecimal() else None


@dataclass(frozen=True)
class _Names:
    """What names a clock's origin: the devices, and when each revision reached HQ."""

    devices: Mapping[str, DeviceInfo]
    arrivals: Mapping[int, datetime]


def _clock_revs(clocks: Iterable[Mapping[str, Any]]) -> set[int]:
    """The revisions named by these records' field clocks."""
    return {int(c[1]) for cs in clocks for c in cs.values() if isinstance(c, list) and len(c) == 3}


def arrival_times(conn: Connection, revs: Iterable[int]) -> dict[int, datetime]:
    """When each of ``revs`` was taken, i.e. when the write that made it reached HQ
    (revisions taken before HQ kept the time are absent)."""
    wanted = sorted(set(revs))
    r = t.revision.c
    out: dict[int, datetime] = {}
    for start in range(0, len(wanted), 1000):
        rows = conn.execute(select(r.rev, r.at).where(r.rev.in_(wanted[start : start + 1000])))
        for rev, at in rows:
            out[int(rev)] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return out


def _directory(conn: Connection, clocks: Iterable[Mapping[str, Any]]) -> _Names:
    return _Names(device_directory(conn), arrival_times(conn, _clock_revs(clocks)))


def _origin(clock: list[Any], names: _Names) -> Origin:
    hlc, rev, device_id = str(clock[0]), int(clock[1]), str(clock[2])
    known = names.devices.get(device_id)
    at = hlc_time(hlc)
    return Origin(
        device_id=device_id,
        device_name=known.name if known else device_id,
        user=known.user if known else "?",
        at=at,
        rev=rev,
        at_hq=device_id == HQ_NODE,
        arrived=names.arrivals.get(rev),
    )


def _made_and_changed(
    clocks: Mapping[str, list[Any]], names: _Names
) -> tuple[Origin | None, Origin | None]:
    """Who made the record (its first clock) and who changed it last (its latest)."""
    entries = [c for c in clocks.values() if isinstance(c, list) and len(c) == 3]
    if not entries:
        return None, None
    first = clocks.get("*") or min(entries, key=lambda c: str(c[0]))
    last = max(entries, key=lambda c: str(c[0]))
    return _origin(first, names), _origin(last, names)


@dataclass(frozen=True)
class PersonRow:
    """A line of the persons list."""

    id: str
    code: str
    name: str
    site_id: str
    tier: str
    status: str


def persons_page(
    conn: Connection, *, site: str | None, search: str, offset: int, limit: int
) -> tuple[list[PersonRow], int]:
    """Live persons (at ``site`` if given, name or code containing ``search``), by code."""
    q = _Sql(conn)
    where = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if site:
        where.append("r.scope = :site")
        params["site"] = site
    if search.strip():
        where.append(f"({q.get('name')} LIKE :needle OR {q.get('code')} LIKE :needle)")
        params["needle"] = f"%{search.strip()}%"
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    base = f"FROM {q.rows('person', ('code', 'name', 'tier', 'status'))}{cond}"
    total = int(conn.execute(text(f"SELECT count(*) {base}"), params).scalar() or 0)
    cols = ", ".join(q.get(f) for f in ("code", "name", "tier", "status"))
    rows = conn.execute(
        text(
            f"SELECT r.id, r.scope, {cols} {base} ORDER BY {q.get('code')}, r.id"
            " LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    out = [
        PersonRow(
            id=row[0],
            site_id=row[1],
            code=str(row[2] or ""),
            name=str(row[3] or ""),
            tier=str(row[4] or ""),
            status=str(row[5] or ""),
        )
        for row in rows
    ]
    return out, total


@dataclass(frozen=True)
class VisitRow:
    """A line of the visits list."""

    id: str
    person_id: str
    site_id: str
    visited_at: str
    reason: str
    visitors: str
    money_fen: int
    confirmation: str


def visits_page(
    conn: Connection, *, site: str | None, start: date, end: date, offset: int, limit: int
) -> tuple[list[VisitRow], int, int]:
    """Live visits with ``start <= visited_at < end`` (at ``site`` if given), newest first;
    also how many there are and the money handed over on them (fen)."""
    q = _Sql(conn)
    at = q.get("visited_at")
    params: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "limit": limit,
        "offset": offset,
    }
    cond = f"{at} >= :start AND {at} < :end"
    if site:
        cond += " AND r.scope = :site"
        params["site"] = site
    fields = ("visited_at", "reason", "visitors", "confirmation", "money_fen")
    base = f"FROM {q.rows('visit', fields)} WHERE {cond}"
    count, money = conn.execute(
        text(f"SELECT count(*), coalesce(sum({q.number('money_fen')}), 0) {base}"), params
    ).one()
    cols = ", ".join(q.get(f) for f in ("visited_at", "reason", "visitors", "confirmation"))
    rows = conn.execute(
        text(
            f"SELECT r.id, r.parent, r.scope, {cols}, {q.number('money_fen')} {base}"
            f" ORDER BY {at} DESC, r.id LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    out = [
        VisitRow(
            id=row[0],
            person_id=str(row[1] or ""),
            site_id=row[2],
            visited_at=str(row[3] or "").replace("T", " ")[:16],
            reason=str(row[4] or ""),
            visitors=str(row[5] or ""),
            confirmation=str(row[6] or ""),
            money_fen=int(row[7] or 0),
        )
        for row in rows
    ]
    return out, int(count or 0), int(money or 0)


@dataclass(frozen=True)
class PersonFile:
    """A person's record as HQ holds it, with who made and last changed it."""

    id: str
    site_id: str
    data: dict[str, Any]
    deleted: bool
    rev: int
    made: Origin | None
    changed: Origin | None
    field_origins: dict[str, Origin]


def person_file(conn: Connection, person_id: str) -> PersonFile | None:
    """The person ``person_id`` (tombstoned ones too, marked), or None."""
    r = t.record.c
    row = conn.execute(
        select(r.id, r.scope, r.data, r.clocks, r.deleted, r.rev).where(
            r.tbl == "person", r.id == person_id
        )
    ).first()
    if row is None:
        return None
    clocks: dict[str, list[Any]] = json.loads(row.clocks)
    names = _directory(conn, [clocks])
    made, changed = _made_and_changed(clocks, names)
    return PersonFile(
        id=row.id,
        site_id=row.scope,
        data=json.loads(row.data),
        deleted=bool(row.deleted),
        rev=int(row.rev),
        made=made,
        changed=changed,
        field_origins={
            name: _origin(clock, names)
            for name, clock in clocks.items()
            if name != "*" and isinstance(clock, list) and len(clock) == 3
        },
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One dated entry of a person's file: a visit, consultation or status event."""

    tbl: str
    id: str
    when: str
    data: dict[str, Any]
    deleted: bool
    rev: int
    made: Origin | None
    changed: Origin | None


_WHEN = {"visit": "visited_at", "consultation": "held_on", "person_event": "happened_on"}


def timeline(conn: Connection, person_id: str) -> list[TimelineEntry]:
    """The person's visits, consultations and events, newest first (an index seek)."""
    r = t.record.c
    rows = conn.execute(
        select(r.tbl, r.id, r.data, r.clocks, r.deleted, r.rev).where(
            r.tbl.in_(tuple(_WHEN)), r.parent == person_id
        )
    ).all()
    clocks = [json.loads(row.clocks) for row in rows]
    names = _directory(conn, clocks)
    out = []
    for row, clock in zip(rows, clocks, strict=True):
        data = json.loads(row.data)
        made, changed = _made_and_changed(clock, names)
        out.append(
            TimelineEntry(
                tbl=row.tbl,
                id=row.id,
                when=str(data.get(_WHEN[row.tbl]) or "").replace("T", " ")[:16],
                data=data,
                deleted=bool(row.deleted),
                rev=int(row.rev),
                made=made,
                changed=changed,
            )
        )
    out.sort(key=lambda e: (e.when, e.rev), reverse=True)
    return out
