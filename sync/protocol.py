"""The wire protocol between laptops and headquarters: headers, payloads, cursors.

Every request carries ``X-Sync-Protocol`` (:data:`sync.PROTOCOL_VERSION`) and
``X-Sync-Schema`` (the application's schema version); every endpoint but
``/health`` needs ``Authorization: Bearer <device token>``. Bodies are JSON,
optionally gzip-compressed (``Content-Encoding: gzip``) both ways.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "HEADER_PROTOCOL",
    "HEADER_SCHEMA",
    "MAX_PULL_LIMIT",
    "Change",
    "ConflictInfo",
    "ConflictsReply",
    "Cursor",
    "EnrollReply",
    "EnrollRequest",
    "Health",
    "PullPage",
    "PulledRecord",
    "PushReply",
    "PushRequest",
    "Verdict",
    "VerdictStatus",
    "WhoAmI",
]

HEADER_PROTOCOL = "X-Sync-Protocol"
HEADER_SCHEMA = "X-Sync-Schema"
MAX_PULL_LIMIT = 10_000

VerdictStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class Change(BaseModel):
    """One change from a device's outbox: the changed fields of one row."""

    seq: int = Field(ge=1, description="the device's change sequence number")
    tbl: str
    id: str = Field(min_length=1, max_length=64)
    data: dict[str, Any]
    hlc: str = Field(description="hybrid logical clock 'wallms-counter-deviceid'")
    seen_rev: int = Field(ge=0, description="server revision the device had pulled through")


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

    code: str = Field(min_length=4, max_length=64)
    device_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="the id the device made for itself; the node of its clocks",
    )
    device_name: str = Field(default="", max_length=200)


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
        """Parse :meth:`encode`'s output; raises ``ValueError`` on anything else."""
        parts = text.split(":", 4)
        if len(parts) != 5:
            raise ValueError(f"not a pull cursor: {text!r}")
        epoch, rev, kind, tbl, row_id = parts
        return cls(epoch=epoch, rev=int(rev), kind=int(kind), tbl=tbl, id=row_id)
