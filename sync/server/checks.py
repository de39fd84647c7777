"""The checks a change passes before it is merged; each raises :class:`Rejected`.

A rejected change gets the verdict ``rejected`` with the message as its reason,
is kept in ``sync_rejection`` (a replay gets the same answer) and never holds
back the changes behind it.
"""

from __future__ import annotations

from typing import Any, Protocol

from sync.hlc import Timestamp, parse_ts
from sync.schema import FieldError, SyncSchema, TableSpec

__all__ = [
    "Author",
    "Rejected",
    "check_clock",
    "check_fields",
    "check_hidden",
    "check_order",
    "check_table",
    "check_writable",
    "device_may_write",
]


class Rejected(Exception):
    """A change that will not be applied; the message says why, for the device's user."""


class Author(Protocol):
    """Who wrote a change: a device, or headquarters itself."""

    @property
    def node(self) -> str:
        """The node of the author's clocks, kept as the writer of each field it sets."""
        ...

    @property
    def user(self) -> str:
        """The user's name, for messages."""
        ...

    def may_touch(self, scope_key: str) -> bool:
        """Whether the author may write records of ``scope_key``."""
        ...

    def hidden_in(self, table: str) -> frozenset[str]:
        """Fields of ``table`` the author may not see (its changes to them are ignored)."""
        ...


def check_order(seq: int, high: int) -> None:
    """Changes of a batch come in increasing ``seq`` order."""
    if seq <= high:
        raise Rejected(f"change {seq} came after change {high} in the same batch (out of order)")


def check_table(schema: SyncSchema, tbl: str) -> TableSpec:
    """The spec of a synced table named ``tbl``."""
    spec = schema.table(tbl)
    if spec is None:
        raise Rejected(f"headquarters does not sync a table named {tbl!r}")
    return spec


def _drift_text(ms: int) -> str:
    minutes = ms / 60_000
    if minutes < 120:
        return f"{minutes:.0f} minutes"
    days = minutes / 1440
    return f"{days:.0f} days" if days < 730 else f"{days / 365:.0f} years"


def check_clock(hlc: str, node: str, now_ms: int, max_drift_ms: int) -> Timestamp:
    """The change's clock, parsed strictly: of this author's node, not too far ahead."""
    try:
        ts = parse_ts(hlc)
    except ValueError:
        raise Rejected(f"malformed clock {hlc[:120]!r}") from None
    if ts.node != node:
        raise Rejected("the change's clock names another device")
    if ts.wall_ms > now_ms + max_drift_ms:
        raise Rejected(
            f"this device's clock was {_drift_text(ts.wall_ms - now_ms)} ahead of "
            "headquarters when the change was made; set the device's date and time "
            "correctly and make the change again"
        )
    return ts


def check_fields(spec: TableSpec, data: dict[str, Any]) -> None:
    """Every field is a synced field of the table, of its type."""
    try:
        spec.check(data)
    except FieldError as err:
        raise Rejected(str(err)) from None


def device_may_write(spec: TableSpec) -> None:
    """A device may write rows of this table (not one written at headquarters only)."""
    if spec.hq_only:
        raise Rejected(f"only headquarters writes {spec.name} rows; this change was not applied")


def check_hidden(author: Author, spec: TableSpec, data: dict[str, Any]) -> None:
    """The author writes nothing but blanks in the fields it may not see.

    A role that may not read a field may not write it: any value there other than
    the field's blank (what the author's device holds in a field it never
    receives) is rejected, naming the field.
    """
    hidden = author.hidden_in(spec.name)
    if not hidden or hidden.isdisjoint(data):
        return
    for name in sorted(hidden.intersection(data)):
        if data[name] != spec.blank(name):
            raise Rejected(
                f"{spec.name}.{name}: {author.user} may not see this field, so may not "
                "write it; the change was not applied"
            )


def check_writable(author: Author, tbl: str, row_id: str, scope_key: str) -> None:
    """The author may write records of ``scope_key``."""
    if not author.may_touch(scope_key):
        raise Rejected(f"{tbl} {row_id}: {scope_key} is outside {author.user}'s scope")
