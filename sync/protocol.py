"""The wire protocol between laptops and headquarters: headers, payloads, cursors.

Every request carries ``X-Sync-Protocol`` (:data:`sync.PROTOCOL_VERSION`) and
``X-Sync-Schema`` (the application's schema version); every endpoint but
``/health`` needs ``Authorization: Bearer <device token>``. Bodies are JSON,
optionally gzip-compressed (``Content-Encoding: gzip``) both ways.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "GZIP_LEVEL",
    "HEADER_PROTOCOL",
    "HEADER_SCHEMA",
    "ID_PATTERN",
    "MAX_PULL_LIMIT",
    "MAX_REV",
    "Change",
    "ConflictInfo",
    "ConflictsReply",
    "Cursor",
    "EnrollReply",
    "EnrollRequest",
    "ErrorReply",
    "Health",
    "PullPage",
    "PulledRecord",
    "PushReply",
    "PushRequest",
    "Verdict",
    "VerdictStatus",
    "WhoAmI",
]

GZIP_LEVEL = 3
"""Compression of request and reply bodies, both ways: a tenth larger than level 5 at
about half the CPU time (a pull page of 10,000 visits: 20 ms, not 34)."""
HEADER_PROTOCOL = "X-Sync-Protocol"
HEADER_SCHEMA = "X-Sync-Schema"
MAX_PULL_LIMIT = 10_000
MAX_REV = 2**63 - 1
"""The largest sequence number, revision or watermark (they are stored in 64 bits)."""
ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,64}$"
"""A row id or table name: 1 to 64 characters, none of them a control character."""
_ID = re.compile(ID_PATTERN)
_TEXT = r"^[^\x00-\x1f\x7f]*$"

VerdictStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class Change(BaseModel):
    """One change from a device's outbox: the changed fields of one row."""

    seq: int = Field(ge=1, le=MAX_REV, description="the device's change sequence number")
    tbl: str = Field(pattern=ID_PATTERN, description="the synced table")
    id: str = Field(pattern=ID_PATTERN, description="the row's id")
    data: dict[str, Any]
    hlc: str = Field(max_length=120, description="hybrid logical clock 'wallms-counter-deviceid'")
    seen_rev: int = Field(
        ge=0, le=MAX_REV, description="server revision the device had pulled through"
    )


class PushRequest(BaseModel):
    """A batch of changes in increasing ``seq`` order."""

    changes: list[Change]


class Verdict(BaseModel):
    """What HQ did with one change; ``conflict`` means applied-or-not with a conflict kept."""

    seq: int
    status: VerdictStatus
    reason: str = ""


class PushReply(BaseModel):
    """Verdicts in the order of the request, and the revision the push was given."""

    verdicts: list[Verdict]
    rev: int
    watermark: int


class PulledRecord(BaseModel):
    """A row as the device may see it (``op='put'``), or an order to drop it (``'exit'``)."""

    op: Literal["put", "exit"] = "put"
    tbl: str
    id: str
    rev: int
    deleted: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


class PullPage(BaseModel):
    """One page of a pull. Apply ``records`` and store ``cursor`` in one transaction.

    ``scope`` is the device's current list of scope keys (``None``: everything);
    ``seen_rev`` is the revision the device has seen everything through after this
    page; ``reset`` says the server's epoch changed and the pull restarted from zero.
    ``server_ms`` and ``clock`` (the latest field clock of the page's records) are
    merged into the device's HLC (the receive rule).
    """

    epoch: str
    cursor: str
    more: bool
    reset: bool = False
    seen_rev: int
    server_ms: int = Field(default=0, description="HQ's wall clock, for the device's HLC")
    clock: str = Field(
        default="",
        description="the latest field clock of the page's records, for the device's HLC",
    )
    role: str
    scope: list[str] | None
    records: list[PulledRecord]


class ConflictInfo(BaseModel):
    """A concurrent edit of one field: the value that won and the one that lost."""

    id: int
    tbl: str
    row_id: str
    field: str
    winner_value: Any = None
    winner_hlc: str
    winner_device: str
    loser_value: Any = None
    loser_hlc: str
    loser_device: str
    rev: int
    created_at: str
    resolved: bool = False


class ConflictsReply(BaseModel):
    """Conflicts in the device's scope recorded or resolved after a revision."""

    epoch: str
    rev: int
    conflicts: list[ConflictInfo]


class EnrollRequest(BaseModel):
    """Trade a one-time enrollment code for a device token."""

    code: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9 -]+$")
    device_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description=(
            "the id the device made for itself; the node of its clocks. HQ refuses an id "
            "it already knows (409), except to the enrollment that holds it"
        ),
    )
    device_name: str = Field(default="", max_length=200, pattern=_TEXT)


class EnrollReply(BaseModel):
    """The new device's id and token (shown once; HQ keeps only its hash)."""

    device_id: str
    token: str
    user: str
    role: str
    scope: list[str] | None


class WhoAmI(BaseModel):
    """The device a token belongs to.

    ``watermark`` is the highest change seq HQ holds from this device (None from a
    server that predates it): below what the laptop marked synced means HQ was
    restored from a backup, and the laptop sends the difference again.
    """

    device_id: str
    user: str
    role: str
    scope: list[str] | None
    watermark: int | None = None


class ErrorReply(BaseModel):
    """Every 4xx answer: what is wrong, in words for the device's user."""

    detail: str


class Health(BaseModel):
    """``GET /health``: no token needed."""

    status: str
    protocol: int
    schema_version: str


class Cursor(BaseModel):
    """The position of a pull: epoch, then the (rev, kind, tbl, id) of the last item."""

    epoch: str
    rev: int = 0
    kind: int = 0
    tbl: str = ""
    id: str = ""

    def encode(self) -> str:
        """The opaque string form the device stores."""
        return f"{self.epoch}:{self.rev}:{self.kind}:{self.tbl}:{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse :meth:`encode`'s output strictly; raises ``ValueError`` on anything else.

        The epoch is text without ``:`` or control characters, the revision ASCII
        digits within 64 bits, the kind 0 or 1, the table and id each empty or a
        valid id (:data:`ID_PATTERN`).
        """
        found = _CURSOR.fullmatch(text)
        if found is None:
            raise ValueError(f"not a pull cursor: {text[:100]!r}")
        epoch, rev, kind, tbl, row_id = found.groups()
        if int(rev) > MAX_REV or any(p and not _ID.fullmatch(p) for p in (tbl, row_id)):
            raise ValueError(f"not a pull cursor: {text[:100]!r}")
        return cls(epoch=epoch, rev=int(rev), kind=int(kind), tbl=tbl, id=row_id)


_CURSOR = re.compile(r"([0-9A-Za-z_-]{1,64}):([0-9]{1,19}):([01]):([^:]*):(.*)", re.DOTALL)
