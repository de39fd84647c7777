"""The JSON Lines export of a store, and its loader.

``fieldkit export FILE`` writes one header line and then one record per line::

    {"type": "fieldkit-export", "version": 1}
    {"type": "site", "id": "0192...", "name": "青石湾安置点", ...}
    {"type": "person", "id": "0196...", "code": "GL-0001", ...}

Records come table by table, parents first (the order of ``SYNCED_TABLES``), and
by id within a table, with every synced column in wire form (ISO dates, slugs,
fen), tombstones included. The same store always gives the same bytes.
:func:`load_jsonl` reads such a file into a store without outbox entries (the demo
county is loaded this way) and :func:`read_jsonl` parses it, reporting bad lines
by number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from fieldkit.domain.models import SYNCED_TABLES, Person
from fieldkit.domain.search_keys import name_keys
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store import Store
from fieldkit.store.outbox import synced_columns
from fieldkit.store.wire import to_wire

__all__ = [
    "FORMAT",
    "VERSION",
    "ExportFormatError",
    "export_jsonl",
    "iter_records",
    "load_jsonl",
    "read_jsonl",
]

FORMAT = "fieldkit-export"
VERSION = 1
_MODELS: dict[str, type[SQLModel]] = {str(m.__tablename__): m for m in SYNCED_TABLES}

Row = dict[str, Any]


class ExportFormatError(FieldkitError):
    """A file that is not a loadable export; ``problem`` says where and what (in English)."""

    def __init__(self, problem: str) -> None:
        super().__init__(N_("The export cannot be loaded: {problem}"), problem=problem)


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


def iter_records(store: Store) -> Iterator[Row]:
    """Every synced row of ``store`` as an export record, in export order."""
    with store.read() as session:
        conn = session.connection()
        for model in SYNCED_TABLES:
            table = _table(model)
            cols = ["id", *synced_columns(model)]
            kind = str(model.__tablename__)
            stmt = select(*(table.c[c] for c in cols)).order_by(table.c.id)
            for row in conn.execute(stmt):
                record: Row = {"type": kind}
                for name, value in zip(cols, row, strict=True):
                    record[name] = to_wire(value)
                yield record


def _line(record: Row) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_jsonl(store: Store, path: Path) -> dict[str, int]:
    """Write the whole store to ``path`` as JSON Lines; returns records per type."""
    counts = {kind: 0 for kind in _MODELS}
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        out.write(_line({"type": FORMAT, "version": VERSION}))
        for record in iter_records(store):
            counts[record["type"]] += 1
            out.write(_line(record))
    tmp.replace(path)
    return counts


def _from_wire(table: Table, name: str, value: Any) -> Any:
    if value is None:
        return None
    column_type = table.c[name].type
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Boolean):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(column_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number")
        return value
    return str(value)


def _defaults(model: type[SQLModel]) -> Row:
    blank = {}
    for name, info in model.model_fields.items():
        if info.default_factory is None and not info.is_required():
            blank[name] = info.default
    return blank


def _search_keys(name: Any) -> Row:
    full, initials = name_keys(str(name or ""))
    return {"search_full": full, "search_initials": initials}


def read_jsonl(path: Path) -> dict[type[SQLModel], list[Row]]:
    """Parse an export into rows per table (Python values, defaults for absent fields)."""
    rows: dict[type[SQLModel], list[Row]] = {model: [] for model in SYNCED_TABLES}
    defaults = {model: _defaults(model) for model in SYNCED_TABLES}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExportFormatError(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        kind, record = _parse_line(number, line)
        if number == 1:
            _check_header(kind, record)
            continue
        model = _MODELS.get(kind)
        if model is None:
            raise ExportFormatError(
                f"line {number}: unknown type {kind!r}; known: {', '.join(_MODELS)}"
            )
        rows[model].append(_record_row(number, model, kind, record, defaults[model]))
    return rows


def _parse_line(number: int, line: str) -> tuple[str, dict[str, Any]]:
    """A line's record type and its fields."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ExportFormatError(f"line {number}: not JSON ({err.msg})") from None
    if not isinstance(record, dict) or "type" not in record:
        raise ExportFormatError(f'line {number}: a record needs a "type"')
    kind = record.pop("type")
    return str(kind), record


def _check_header(kind: str, header: dict[str, Any]) -> None:
    """The first line names the format and a version this code reads."""
    if kind != FORMAT:
        raise ExportFormatError(
            f'line 1: expected the header {{"type": "{FORMAT}", ...}}; is this a fieldkit export?'
        )
    if header.get("version") != VERSION:
        raise ExportFormatError(
            f"line 1: export version {header.get('version')!r} "
            f"is not supported (this fieldkit reads {VERSION})"
        )


def _record_row(
    number: int, model: type[SQLModel], kind: str, record: dict[str, Any], defaults: Row
) -> Row:
    """One record as a row of its table: known fields only, in Python values, with an id."""
    table = _table(model)
    row = dict(defaults)
    try:
        for name, value in record.items():
            if name not in table.c or name.startswith("search_"):
                raise ValueError(f"{kind} has no field {name!r}")
            row[name] = _from_wire(table, name, value)
    except (ValueError, TypeError) as err:
        raise ExportFormatError(f"line {number}: {err}") from None
    if "id" not in row:
        raise ExportFormatError(f"line {number}: the record has no id")
    return row


def load_jsonl(store: Store, path: Path) -> dict[str, int]:
    """Insert an export into ``store`` as data that is already known to HQ: no outbox.

    Everything goes in one transaction; on any error nothing is written.
    Returns the number of rows per table.
    """
    parsed = read_jsonl(path)
    counts: dict[str, int] = {}
    try:
        with store.engine.execution_options(sqlite_immediate=True).begin() as conn:
            for model, rows in parsed.items():
                if model is Person:
                    rows = [r | _search_keys(r["name"]) for r in rows]
                if rows:
                    keys = set().union(*(r.keys() for r in rows))
                    full = [{k: r.get(k) for k in keys} for r in rows]
                    conn.execute(_table(model).insert(), full)
                counts[str(model.__tablename__)] = len(rows)
    except IntegrityError as err:
        raise ExportFormatError(
            f"{path} does not fit this store (a record is already there or refers to a "
            f"missing one): {err.orig}"
        ) from None
    return counts
