"""Record ids: UUIDv7 strings made on the device, never by the server.

Everywhere in Python an id is a ``str``. The laptop's SQLite store keeps a
canonical id (36 characters, lowercase hex, dashes at 8-13-18-23) as its 16 raw
bytes, a BLOB: 20 bytes less in each row and in every index entry that holds it.
Any other string (an id from elsewhere: upper case, braces, no dashes, a hostile or
legacy value) is stored unchanged, as text. So encoding is deterministic and
:func:`decode_id` gives back exactly the string that was encoded.

Order: the bytes of a canonical UUID compare as its lowercase hex text does (each
byte is two hex digits, and ``0-9`` sort before ``a-f`` in both), so ordering by a
stored id orders UUIDs as their text would. SQLite sorts every TEXT value before
every BLOB, so ids that are not canonical UUIDs come before all UUIDs.

Raw SQL that binds an id uses :func:`encode_id` (or :func:`encode_ids`); raw SQL
that reads one uses :func:`decode_id` (or :func:`decode_ids`). A list of ids goes
into SQL as one BLOB of 16-byte ids and a JSON list of the others
(``fieldkit.store.due_sql.id_params``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from uuid6 import uuid7

__all__ = [
    "IdTexts",
    "decode_id",
    "decode_ids",
    "encode_id",
    "encode_ids",
    "id_order",
    "new_id",
]


def new_id() -> str:
    """A new time-ordered UUIDv7, as its canonical 36-character string."""
    return str(uuid7())


def encode_id(value: Any) -> Any:
    """The stored form of an id: a canonical lowercase UUID string as its 16 bytes;
    any other value (another string, ``None``) unchanged."""
    if (
        value.__class__ is str
        and len(value) == 36
        and value[8] == "-"
        and value[13] == "-"
        and value[18] == "-"
        and value[23] == "-"
    ):
        digits = value.replace("-", "")
        if len(digits) == 32:
            try:
                raw = bytes.fromhex(digits)
            except ValueError:  # not hex
                return value
            # fromhex also takes upper case and blanks: only the canonical text
            # (lowercase, the 32 digits alone) is stored as bytes
            if raw.hex() == digits:
                return raw
    return value


def decode_id(value: Any) -> Any:
    """The id a stored value holds: 16 bytes as the canonical UUID string; any other
    value (text, ``None``) unchanged."""
    if value.__class__ is bytes:
        h = value.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return value


class IdTexts:
    """A bounded memo of :func:`decode_id` for ids read again and again (a store's
    persons, listed on every due list): a remembered id costs one dict lookup
    instead of a new string of 36 characters (about a tenth of the time).

    At most ``limit`` ids are kept, about 180 bytes each; when one more would be
    added, every id is forgotten and the memo fills again.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._texts: dict[Any, Any] = {}
        self.known = self._texts.get
        """The remembered text of a stored id, or ``None`` (a dict lookup, for the
        hottest loops: ``known(value) or decode(value)``)."""

    def decode(self, value: Any) -> Any:
        """:func:`decode_id` of ``value``, remembered."""
        texts = self._texts
        text = texts.get(value)
        if text is None:
            if len(texts) >= self.limit:
                texts.clear()
            text = texts[value] = decode_id(value)
        return text

    def __len__(self) -> int:
        return len(self._texts)


def encode_ids(values: Iterable[Any]) -> list[Any]:
    """:func:`encode_id` of each value, in order."""
    return [encode_id(v) for v in values]


def decode_ids(values: Iterable[Any]) -> list[Any]:
    """:func:`decode_id` of each value, in order."""
    return [decode_id(v) for v in values]


def id_order(value: Any) -> tuple[bool, Any]:
    """Sort key of ids (as text or as stored) in the order SQLite gives their stored
    forms: ids that are not canonical UUIDs first (as text), then the UUIDs."""
    stored = encode_id(value)
    return stored.__class__ is bytes, stored
