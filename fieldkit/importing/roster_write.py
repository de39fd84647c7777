"""Writing checked roster rows into a store, a chunk at a time, with their outbox entries.

A roster can hold a hundred thousand persons, so the rows go in with SQLAlchemy
Core statements on the store's table objects rather than one ORM object each:
one query finds a chunk's known persons by code, one ``executemany`` inserts the
new ones, and each changed one gets an ``UPDATE`` of the fields that changed. The
outbox entries are what the store's flush hook (:mod:`fieldkit.store.outbox`)
would queue for the same rows: a new row's every synced field in wire form, a
changed row's changed fields, each with a fresh HLC timestamp and the revision
pulled so far; new sites go before the persons that live there. The search keys
are derived as on a flush (``search_full``/``search_initials``); the store's
triggers keep ``person_search_key`` current, and the full-text index is filled
once for all new persons (:func:`~fieldkit.store.roster.search_index_paused_for_bulk_persons`).
Everything happens in the caller's transaction, which a refused file rolls back.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import Boolean, Enum, Integer, String, TypeDecorator
from sqlmodel import SQLModel

from fieldkit.domain.ids import decode_id, new_id
from fieldkit.domain.models import Person, Site
from fieldkit.domain.search_keys import name_keys
from fieldkit.importing.roster import RosterReport, RosterRow, site_kind_for
from fieldkit.store import StoreSession
from fieldkit.store.due_list import pause_person_summaries, summarise_persons_after
from fieldkit.store.outbox import meta_get, meta_set, synced_columns
from fieldkit.store.roster import search_index_paused_for_bulk_persons
from fieldkit.store.search_index import (
    INSERT_TRIGGER,
    add_pending_keys,
    start_pending_keys,
    write_pending_keys,
)
from fieldkit.store.tables import OutboxEntry, OutboxState
from fieldkit.store.wire import to_wire
from sync.hlc import HLC

__all__ = ["BULK_CACHE_KIB", "BULK_MIN_ROWS", "CACHE_KIB", "RosterWriter"]

BULK_MIN_ROWS = 10_000
"""Rosters of more rows than this (and than the store's persons) are written with
``person``'s secondary indexes made after the rows (:meth:`RosterWriter.expect`)."""


CACHE_KIB = 32 * 1024
"""SQLite's page cache while a roster is written, in KiB (the store's default is 2 MB)."""

BULK_CACHE_KIB = 16 * 1024
"""The page cache while a big roster is written with the indexes paused, in KiB."""


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


_DIALECT = sqlite.dialect()
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
"""``json.dumps(data, ensure_ascii=False, sort_keys=True)`` without a new encoder per call."""


class _Insert:
    """An ``INSERT`` of a table's every column as one DB-API ``executemany``: each row's
    values made as SQLAlchemy would bind them (its types' bind processors, e.g. enums
    to their values, dates to ISO text), without compiling parameters per row."""

    def __init__(self, table: Table) -> None:
        self.columns = [c.name for c in table.columns]
        marks = ", ".join("?" for _ in self.columns)
        self.sql = f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES ({marks})"
        self._processed: list[tuple[int, Callable[[Any], Any]]] = []
        for i, column in enumerate(table.columns):
            process = column.type._cached_bind_processor(_DIALECT)
            if process is not None:
                self._processed.append((i, process))

    def params(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        columns, processed = self.columns, self._processed
        for row in rows:
            values = [row[c] for c in columns]
            for i, process in processed:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out


def _wire_converted(table: Table, names: list[str]) -> tuple[list[str], list[str]]:
    """Of the synced columns ``names``: those whose values are already their wire form
    (text, numbers, booleans) and the others (dates, enums: through ``to_wire``)."""
    same = [n for n in names if _is_plain(table.c[n].type)]
    return same, [n for n in names if n not in same]


def _is_plain(kind: Any) -> bool:
    if isinstance(kind, TypeDecorator):  # SQLModel's AutoString
        kind = kind.impl
    return isinstance(kind, String | Integer | Boolean) and not isinstance(kind, Enum)


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """A new row's column values as the model makes them (the id left to each row)."""
    values: dict[str, Any] = {}
    for column in _table(model).columns:
        info = model.model_fields.get(column.name)
        if column.name != "id" and info is not None:
            values[column.name] = info.get_default(call_default_factory=True)
    return values


class RosterWriter:
    """Writes chunks of checked rows in a store's write session; counts what it did."""

    def __init__(self, session: StoreSession, report: RosterReport) -> None:
        self.session = session
        self.conn = session.connection()
        self.report = report
        self.written = 0
        self._person = _table(Person)
        self._site = _table(Site)
        self._person_wire = synced_columns(Person)
        self._site_wire = synced_columns(Site)
        self._person_new = _defaults(Person)
        self._person_insert = _Insert(self._person)
        self._outbox_insert = _Insert(_table(OutboxEntry))
        self._person_text, self._person_other = _wire_converted(self._person, self._person_wire)
        s = self._site.c
        stmt = select(s.id, s.name, s.county).where(s.deleted.is_(False))
        found = self.conn.execute(stmt).all()
        self._sites: dict[str, str] = {name: site_id for site_id, name, _county in found}
        counties = Counter(county for _id, _name, county in found if county)
        self._county = counties.most_common(1)[0][0] if counties else ""
        device_id = meta_get(session, "device_id")
        assert device_id is not None, "a store always has its device id"
        self._clock = HLC(node=device_id, last=meta_get(session, "hlc") or "")
        self._seen_rev = int(meta_get(session, "pull_rev") or 0)
        self._outbox: list[dict[str, Any]] = []
        self._paused_indexes: list[str] = []
        self._paused_keys: tuple[str, int] | None = None
        self._paused_summaries: tuple[str, int] | None = None
        """While the key trigger is dropped: its SQL, and the last person rowid whose keys
        are kept (:meth:`_keep_keys`)."""

    @contextmanager
    def loading(self) -> Iterator[None]:
        """Write new persons without the full-text index's per-row trigger (one pass after).

        The connection's page cache is widened meanwhile (:data:`CACHE_KIB`): the
        person table's six indexes take rows in six different orders, and with the
        default 2 MB cache a big roster's pages would be written out and read back
        many times before the commit.
        """
        before = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self.conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
        try:
            with search_index_paused_for_bulk_persons(self.conn):
                yield
                self._rebuild_indexes()
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")

    def expect(self, rows: int) -> None:
        """Told, before the first chunk is written, about how many rows the file holds:
        if that is more than the persons stored, ``person``'s indexes that the import
        does not read (all but its keys: id and code) are dropped until the last
        chunk is written, then made again in one sorted pass each. Rows in random
        order of name, birth date or ID number would otherwise land on random pages
        of six indexes. The triggers that give each new person their search keys
        and their ``visit_summary`` row are dropped too: the keys are kept as the
        chunks are written and written sorted after the last, the summary rows
        written in one pass (:func:`~fieldkit.store.due_list.summarise_persons_after`).
        The drops are part of the transaction, which a refused file rolls back."""
        if self._paused_indexes or rows <= BULK_MIN_ROWS:
            return
        stored = self.conn.exec_driver_sql("SELECT count(*) FROM person").scalar_one()
        if rows <= stored:
            return
        found = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'person'"
            " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
        ).all()
        # fewer pages written at random: half the cache does (and bounds the sorts
        # that make the indexes again)
        self.conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        for name, sql in found:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
            self._paused_indexes.append(str(sql))
        trigger = self.conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (INSERT_TRIGGER,)
        ).scalar()
        if trigger is not None:  # the search keys are written after the rows too
            last = self.conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM person")
            self._paused_keys = (str(trigger), int(last.scalar_one()))
            self.conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
            start_pending_keys(self.conn)
        # each new person's summary row too (the trigger's lookups in ``visit``)
        self._paused_summaries = pause_person_summaries(self.conn)

    def _rebuild_indexes(self) -> None:
        for sql in self._paused_indexes:
            self.conn.exec_driver_sql(sql)
        self._paused_indexes = []
        if self._paused_keys is not None:
            trigger, _last = self._paused_keys
            self._paused_keys = None
            self.conn.exec_driver_sql(trigger)
            write_pending_keys(self.conn)
        if self._paused_summaries is not None:
            paused, self._paused_summaries = self._paused_summaries, None
            summarise_persons_after(self.conn, paused)

    def _queue(self, tbl: str, row_id: str, data: dict[str, Any]) -> None:
        self._outbox.append(
            {
                "seq": None,
                "tbl": tbl,
                "row_id": row_id,
                "data": _ENCODE(data),
                "hlc": self._clock.now(),
                "seen_rev": self._seen_rev,
                "state": OutboxState.PENDING,
                "reason": "",
                "created_at": datetime.now(UTC),
                "synced_at": None,
            }
        )

    def _site_id(self, name: str) -> str:
        site_id = self._sites.get(name)
        if site_id is None:
            row = {**_defaults(Site), "id": new_id(), "name": name, "county": self._county,
                   "kind": site_kind_for(name)}  # fmt: skip
            self.conn.execute(self._site.insert(), [row])
            self._queue("site", row["id"], {c: to_wire(row[c]) for c in self._site_wire})
            site_id = self._sites[name] = row["id"]
            self.report.new_sites.append(name)
        return site_id

    def _known(self, rows: list[RosterRow]) -> dict[str, Any]:
        p = self._person.c
        stmt = select(self._person).where(p.code.in_([row.code for row in rows]))
        return {found.code: found for found in self.conn.execute(stmt)}

    def write(self, rows: list[RosterRow]) -> None:
        """Insert the chunk's new persons, update its changed ones, queue their changes."""
        known = self._known(rows)
        new: list[dict[str, Any]] = []
        person_changes: list[tuple[str, dict[str, Any]]] = []
        for row in rows:
            site_id = self._site_id(row.site)
            stored = known.get(row.code)
            if stored is None:
                person = {**self._person_new, **row.fields, "id": new_id(), "code": row.code,
                          "site_id": site_id}  # fmt: skip
                person["search_full"], person["search_initials"] = name_keys(person["name"])
                new.append(person)
                continue
            wanted = {**row.fields, "site_id": site_id, "deleted": False}
            changed = {key: value for key, value in wanted.items() if stored._mapping[key] != value}
            if not changed:
                self.report.unchanged += 1
                continue
            self.report.changed += 1
            person_changes.append((stored.id, changed))
        if new:
            params = self._person_insert.params(new)
            self.conn.exec_driver_sql(self._person_insert.sql, params)
            self.report.new += len(new)
            if self._paused_keys is not None:
                self._keep_keys(new)
            text, other = self._person_text, self._person_other
            for person in new:
                wire = {c: person[c] for c in text}
                for c in other:
                    wire[c] = to_wire(person[c])
                self._queue("person", person["id"], wire)
        for person_id, changed in person_changes:
            values = dict(changed)
            if "name" in changed:
                values["search_full"], values["search_initials"] = name_keys(changed["name"])
            p = self._person.c
            self.conn.execute(update(self._person).where(p.id == person_id).values(**values))
            self._queue("person", person_id, {k: to_wire(v) for k, v in changed.items()})
        self._flush_outbox()
        self.written += len(rows)

    def _keep_keys(self, new: list[dict[str, Any]]) -> None:
        """The search keys of the chunk's new persons, kept to be written after the
        last chunk (the key trigger is dropped): their rowids read back, their names'
        readings taken while still in the cache that made their primary keys."""
        trigger, last = self._paused_keys or ("", 0)
        found = self.conn.exec_driver_sql(
            "SELECT id, rowid FROM person WHERE rowid > ? ORDER BY rowid", (last,)
        ).all()
        rowids: dict[str, int] = {decode_id(pid): rowid for pid, rowid in found}
        if found:
            self._paused_keys = (trigger, int(found[-1][1]))
        add_pending_keys(
            self.conn,
            (
                (rowids[p["id"]], p["name"], p["code"], p["search_full"])
                for p in new
                if not p["deleted"]
            ),
        )

    def _flush_outbox(self) -> None:
        if self._outbox:
            insert = self._outbox_insert
            self.conn.exec_driver_sql(insert.sql, insert.params(self._outbox))
            self._outbox = []

    def finish(self) -> None:
        """Keep the clock's last timestamp, as the flush hook does."""
        self._flush_outbox()
        meta_set(self.session, "hlc", self._clock.last)
