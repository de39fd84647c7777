"""Changes made at HQ itself: merged like pushed ones, kept in the projection.

Every set-up step that changes synced records (a site added or renamed, a roster
loaded) writes through :func:`sync.server.hq_writes.write_at_hq` with the
projection's hook, so the records get a revision and reach the laptops in scope
at their next sync, and the quarterly tables see them at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from fieldkit.hq.errors import HqSetupError
from fieldkit.hq.projection import keep_current
from fieldkit.i18n import N_
from fieldkit.store.outbox import synced_columns
from fieldkit.store.wire import to_wire
from fieldkit.sync_schema import sync_schema
from sync.server.hq_writes import HqEdit, HqWriteRefused, write_at_hq

__all__ = ["HqEdit", "hq_user", "wire_row", "write_edits"]


def hq_user() -> str:
    """Who makes a change at HQ: the login running the command."""
    return os.environ.get("USER") or "admin"


def wire_row(obj: SQLModel) -> dict[str, Any]:
    """Every synced field of a new row, in wire form (as a laptop's outbox sends it)."""
    return {c: to_wire(getattr(obj, c)) for c in synced_columns(type(obj))}


def write_edits(conn: Connection, edits: Sequence[HqEdit]) -> int:
    """Write ``edits`` at HQ in the caller's transaction; the revision they got."""
    try:
        return write_at_hq(conn, sync_schema(), edits, user=hq_user(), on_written=keep_current)
    except HqWriteRefused as err:
        raise HqSetupError(N_("HQ: the change was refused: {error}"), error=err) from err
