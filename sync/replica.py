"""What a laptop's store offers to sync, and what a sync run reports: no HTTP here.

The application implements :class:`LocalReplica` on its store (optionally
:class:`WireOutbox` and :class:`Resendable` too); :func:`sync.client.run_sync`
drives it (and optionally :class:`ReportsPending`). A store can implement these
without importing the HTTP client.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sync.protocol import GZIP_LEVEL, Change, ConflictsReply, PullPage, PushRequest, Verdict

__all__ = [
    "GZIP_LEVEL",
    "LocalReplica",
    "PageApplied",
    "PushBatch",
    "ReportsPending",
    "Resendable",
    "SyncProgress",
    "SyncResult",
    "WireOutbox",
]


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync stands: ``phase`` is push, pull or conflicts; ``done`` items so far."""

    phase: str
    done: int
    total: int | None = None
    message: str = ""


@dataclass(frozen=True)
class PageApplied:
    """What the replica did with one pulled page."""

    stored: int
    removed: int


@dataclass
class SyncResult:
    """Counts of one sync run."""

    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    rejected_reasons: list[str] = field(default_factory=list)
    pulled: int = 0
    removed: int = 0
    pages: int = 0
    new_conflicts: int = 0
    resent: int = 0


@dataclass(frozen=True)
class PushBatch:
    """Pending changes ready to send: ``body`` is the JSON of a :class:`PushRequest`."""

    first_seq: int
    last_seq: int
    count: int
    body: bytes

    @classmethod
    def of(cls, changes: Sequence[Change]) -> PushBatch | None:
        """The batch of ``changes`` (None when there are none)."""
        if not changes:
            return None
        body = PushRequest(changes=list(changes)).model_dump_json().encode()
        return cls(changes[0].seq, changes[-1].seq, len(changes), body)

    def gzipped(self) -> bytes:
        """The body compressed as the client sends it."""
        return gzip.compress(self.body, compresslevel=GZIP_LEVEL)


@runtime_checkable
class WireOutbox(Protocol):
    """A replica that can hand over its pending changes already in wire form.

    Optional: :func:`sync.client.push_all` uses it when the replica has it, which
    spares decoding each change's stored JSON only to encode it again.
    """

    def pending_wire(self, limit: int, after_seq: int = 0) -> PushBatch | None:
        """Like ``pending`` but as one request body (None when nothing is pending)."""
        ...


@runtime_checkable
class Resendable(Protocol):
    """A replica that can send again changes HQ lost (restored from a backup).

    Optional: :func:`sync.client.run_sync` uses it when the replica has it (see
    :func:`sync.client.resend_lost`).
    """

    def synced_through(self) -> int:
        """The highest seq marked synced (0 when none is)."""
        ...

    def resend_after(self, watermark: int) -> int:
        """Mark the synced changes with seq > ``watermark`` pending again; how many."""
        ...


@runtime_checkable
class ReportsPending(Protocol):
    """A replica that counts the changes waiting in its outbox.

    Optional: :func:`sync.client.pull_all` reports the count with its pull requests,
    and HQ keeps it on the device's row (an older client reports nothing).
    """

    def pending_count(self) -> int:
        """How many changes wait to be sent."""
        ...


class LocalReplica(Protocol):
    """What the application's local store offers to :func:`sync.client.run_sync`."""

    def pending(self, limit: int, after_seq: int = 0) -> list[Change]:
        """Up to ``limit`` pending changes with seq > ``after_seq``, in seq order."""
        ...

    def record_verdicts(self, verdicts: Sequence[Verdict]) -> None:
        """Mark changes synced or rejected, in one transaction."""
        ...

    def cursor(self) -> str | None:
        """The stored pull cursor (None: pull from the start)."""
        ...

    def scope(self) -> list[str] | None:
        """The scope of the last applied page (None: everything, or never pulled)."""
        ...

    def forget_cursor(self) -> None:
        """Pull from the start next time (the scope grew)."""
        ...

    def apply_page(self, page: PullPage) -> PageApplied:
        """Apply a page's rows, scope, cursor and seen revision in ONE transaction."""
        ...

    def conflicts_after(self) -> int:
        """The revision conflicts are known through."""
        ...

    def apply_conflicts(self, reply: ConflictsReply) -> int:
        """Store conflict markers and the revision; returns how many were new or changed."""
        ...
