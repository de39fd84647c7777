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
from typing import Any

from fieldkit.domain.search_keys import name_readings

__all__ = [
    "CODE_DIGITS",
    "INSERT_TRIGGER",
    "KEYS_FUNCTION",
    "TRIGGERS",
    "extra_keys",
    "insert_keys_after",
    "rebuild",
    "register_functions",
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
"""The trigger that writes a new person's keys (see :func:`insert_keys_after`)."""

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


def _keys_json(name: Any, code: Any) -> str:
    text = str(name or "")
    sort = name_readings(text)[0][0]
    return json.dumps([[key, sort] for key in extra_keys(text, str(code or ""))])


def insert_keys_after(conn: Any, last_rowid: int) -> None:
    """Write what :data:`INSERT_TRIGGER` writes, for every live person whose rowid is
    above ``last_rowid`` at once, sorted by key (SQLite's sorter, not a Python list):
    for rows inserted while that trigger was dropped. ``conn`` has ``exec_driver_sql``."""
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO person_search_key (key, sort, person)"
        " SELECT json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]'), p.rowid"
        f" FROM person p, json_each({KEYS_FUNCTION}(p.name, p.code)) k"
        " WHERE p.rowid > ? AND p.deleted = 0 ORDER BY 1, 2, 3",
        (last_rowid,),
    )


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

    rows = conn.exec_driver_sql(
        "SELECT rowid, name, code, search_full, search_initials FROM person WHERE deleted = 0"
    ).all()
    conn.exec_driver_sql("DELETE FROM person_search_key")
    changed: list[tuple[str, str, int]] = []
    keys: list[tuple[str, str, int]] = []
    for rowid, name, code, full, initials in rows:
        primary = name_keys(name or "")
        if primary != (full, initials):
            changed.append((primary[0], primary[1], rowid))
        keys.extend((key, primary[0], rowid) for key in extra_keys(name or "", code or ""))
    if changed:
        conn.exec_driver_sql(
            "UPDATE person SET search_full = ?, search_initials = ? WHERE rowid = ?", changed
        )
    if keys:
        keys.sort()  # in the primary key's order: each insert lands beside the last
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO person_search_key (key, sort, person) VALUES (?, ?, ?)", keys
        )
