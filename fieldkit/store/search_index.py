"""The roster's extra search keys: every other reading of a name, and a code's digits.

``person.search_full``/``search_initials`` hold a name's primary reading (the one
the roster is ordered by). ``person_search_key`` (migration 0007) holds the rest,
one ``(key, sort, person rowid)`` per key: the full pinyin and initials of every other
reading (曾建建 is also ``cengjianjian``/``cjj``) and the digits of the short code
(GL-0142 -> ``0142``), each with the name's primary full pinyin (``sort``) so a
page needs only the keys that sort before its last row. Local only, never
synced; triggers on ``person`` keep it current through the SQL function
:data:`KEYS_FUNCTION`, which every connection of the store registers
(:func:`register_functions`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fieldkit.domain.search_keys import name_readings

__all__ = [
    "CODE_DIGITS",
    "INSERT_TRIGGER",
    "KEYS_FUNCTION",
    "PENDING_KEYS",
    "TRIGGERS",
    "add_pending_keys",
    "extra_keys",
    "person_keys",
    "rebuild",
    "register_functions",
    "start_pending_keys",
    "write_pending_keys",
]

KEYS_FUNCTION = "fieldkit_search_keys"
"""SQL: ``fieldkit_search_keys(name, code)`` -> a JSON array of the extra keys."""

CODE_DIGITS = 3
"""A code's digits are searched from this many typed on (one or two are in every code)."""

_DIGITS = re.compile(r"\d+")

_INSERT = (
    "INSERT OR IGNORE INTO person_search_key (key, sort, person)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), NEW.rowid"
    f" FROM json_each({KEYS_FUNCTION}(NEW.name, NEW.code))"
)

INSERT_TRIGGER = "trg_person_key_insert"
"""The trigger that writes a new person's keys (see :func:`write_pending_keys`)."""

TRIGGERS = {
    INSERT_TRIGGER: f"AFTER INSERT ON person WHEN NEW.deleted = 0 BEGIN\n{_INSERT};\nEND",
    "trg_person_key_update": (
        "AFTER UPDATE OF name, code, deleted ON person WHEN OLD.name IS NOT NEW.name"
        " OR OLD.code IS NOT NEW.code OR OLD.deleted IS NOT NEW.deleted BEGIN\n"
        "DELETE FROM person_search_key WHERE person = OLD.rowid;\n"
        f"{_INSERT} WHERE NEW.deleted = 0;\nEND"
    ),
    "trg_person_key_delete": (
        "AFTER DELETE ON person BEGIN\nDELETE FROM person_search_key WHERE person = OLD.rowid;\nEND"
    ),
}
"""The triggers on ``person`` that keep ``person_search_key`` current (name: body)."""


def extra_keys(name: str, code: str) -> list[str]:
    """The search keys of a person beyond the primary reading's full pinyin and initials."""
    readings = name_readings(name or "")
    primary = set(readings[0])
    keys: dict[str, None] = {}
    for full, initials in readings[1:]:
        for key in (full, initials):
            if key and key not in primary:
                keys.setdefault(key, None)
    for digits in _DIGITS.findall(code or ""):
        keys.setdefault(digits, None)
    return list(keys)


def person_keys(name: str, code: str) -> tuple[str, list[str]]:
    """A person's row of keys as :data:`INSERT_TRIGGER` writes them: the primary
    reading's full pinyin (the keys' ``sort``) and the extra keys."""
    return name_readings(name)[0][0], extra_keys(name, code)


def _keys_json(name: Any, code: Any) -> str:
    sort, keys = person_keys(str(name or ""), str(code or ""))
    return json.dumps([[key, sort] for key in keys])


PENDING_KEYS = "temp.person_search_key_pending"
"""A temporary table of keys (``key, sort, person`` rowid) that persons inserted while
:data:`INSERT_TRIGGER` is dropped will have, written at once by :func:`write_pending_keys`."""


def start_pending_keys(conn: Any) -> None:
    """Make :data:`PENDING_KEYS` empty (``conn`` has ``exec_driver_sql``)."""
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {PENDING_KEYS} (key TEXT, sort TEXT, person INTEGER)"
    )
    conn.exec_driver_sql(f"DELETE FROM {PENDING_KEYS}")


def add_pending_keys(conn: Any, persons: Iterable[tuple[int, str, str, str]]) -> None:
    """Keep the keys :data:`INSERT_TRIGGER` would write for ``persons`` (rowid, name,
    code, and the name's primary full pinyin, as :func:`person_keys` gives it): the
    names are read once, as their primary reading is made, not again by the SQL
    function (at a hundred thousand names its cache would have let them go)."""
    rows = [
        (key, sort, rowid) for rowid, name, code, sort in persons for key in extra_keys(name, code)
    ]
    if rows:
        conn.exec_driver_sql(f"INSERT INTO {PENDING_KEYS} VALUES (?, ?, ?)", rows)


def write_pending_keys(conn: Any) -> None:
    """Write :data:`PENDING_KEYS` into ``person_search_key`` at once, sorted by key
    (SQLite's sorter, not a Python list), as :data:`INSERT_TRIGGER` would have one
    person at a time; then drop it."""
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO person_search_key (key, sort, person)"
        f" SELECT key, sort, person FROM {PENDING_KEYS} ORDER BY 1, 2, 3"
    )
    conn.exec_driver_sql(f"DROP TABLE {PENDING_KEYS}")


def register_functions(dbapi_connection: Any, _record: Any = None) -> None:
    """Register :data:`KEYS_FUNCTION` on a new sqlite3 connection (a ``connect`` listener)."""
    dbapi_connection.create_function(KEYS_FUNCTION, 2, _keys_json, deterministic=True)


def rebuild(conn: Any) -> None:
    """Refill ``person_search_key`` and the primary readings of every live person.

    ``conn`` is a DB-API-like connection with ``exec_driver_sql`` (SQLAlchemy).
    The primary reading of some surnames changed (曾 zeng, not ceng), so
    ``search_full``/``search_initials`` are written again where they differ.
    """
    from fieldkit.domain.search_keys import name_keys

    conn.exec_driver_sql("DELETE FROM person_search_key")
    rows = conn.exec_driver_sql(
        "SELECT rowid, name, code, search_full, search_initials FROM person WHERE deleted = 0"
    ).all()
    # a name's readings once per distinct name (a county's persons share many names);
    # a code's digits per person, as extra_keys adds them after the name's keys
    by_name: dict[str, tuple[tuple[str, str], list[str]]] = {}
    changed: list[tuple[str, str, int]] = []
    keys: list[tuple[str, str, int]] = []
    add = keys.append
    find_digits = _DIGITS.findall
    for rowid, name, code, full, initials in rows:
        name = name or ""
        known = by_name.get(name)
        if known is None:
            known = by_name[name] = (name_keys(name), extra_keys(name, ""))
        primary, name_extra = known
        sort = primary[0]
        if full != sort or initials != primary[1]:
            changed.append((sort, primary[1], rowid))
        for key in name_extra:
            add((key, sort, rowid))
        if code:
            for digits in find_digits(code):
                if digits not in name_extra:
                    add((digits, sort, rowid))
    if changed:
        conn.exec_driver_sql(
            "UPDATE person SET search_full = ?, search_initials = ? WHERE rowid = ?", changed
        )
    if keys:
        keys.sort()  # in the primary key's order: each insert lands beside the last
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO person_search_key (key, sort, person) VALUES (?, ?, ?)", keys
        )
