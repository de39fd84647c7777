"""What a failure of the SQLite file means for the user: SQLite's errors as FieldkitErrors.

A write that waited the whole busy timeout for another program's lock, a full
disk or a read-only file raise ``sqlite3.OperationalError`` (wrapped by
SQLAlchemy); :func:`store_failure` turns those into messages that say what
happened and what to do. Nothing was written by the failed transaction.
"""

from __future__ import annotations

import sqlite3
import sys

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_

__all__ = ["StoreFailure", "store_failure"]


class StoreFailure(FieldkitError):
    """The store file could not be read or written; nothing was half-written."""


_KNOWN: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("database is locked", "database is busy"),
        N_("The store is busy: another fieldkit program is writing to it"),
        N_(
            "Nothing was lost. Wait for the other program (e.g. a sync) to finish, then save again."
        ),
    ),
    (
        ("database or disk is full",),
        N_("The disk is full: the store cannot grow"),
        N_("Nothing was lost. Free some disk space, then save again."),
    ),
    (
        ("readonly database", "attempt to write a readonly"),
        N_("The store file is read-only"),
        N_("Check the permissions of the store file, or open another one with --db."),
    ),
    (
        ("disk i/o error", "unable to open database file"),
        N_("The store file cannot be read or written"),
        N_("Check the disk and the store file, then try again."),
    ),
)


def store_failure(exc: BaseException) -> StoreFailure | None:
    """The user's view of a SQLite error, or None when ``exc`` is not one we can explain."""
    original = _unwrapped(exc)
    if not isinstance(original, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    text = str(original).lower()
    for needles, message, hint in _KNOWN:
        if any(n in text for n in needles):
            return StoreFailure(message, hint=hint)
    return None


def _unwrapped(exc: BaseException) -> BaseException:
    """The DB-API error SQLAlchemy wrapped, else ``exc`` itself.

    SQLAlchemy is not imported for this: when it is not loaded yet, nothing raised
    one of its errors (the app shows its first page before loading it).
    """
    wrapped = sys.modules.get("sqlalchemy.exc")
    if wrapped is not None and isinstance(exc, wrapped.DBAPIError):
        orig: BaseException = exc.orig
        return orig
    return exc
