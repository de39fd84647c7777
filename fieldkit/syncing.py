"""Sync this laptop with headquarters: what the Sync screen and ``fieldkit sync`` call.

:func:`sync_now` pushes the outbox then pulls the device's scope, and never
raises for a sync failure: the returned :class:`SyncReport` carries the error
message (also kept in local_meta ``last_sync_error``) and the error itself as a
:class:`~fieldkit.errors.FieldkitError` (``failure``, kept in ``last_sync_problem``
to be shown again in the interface language). It is safe to call from a
worker thread; ``on_progress`` is called from that thread.  Apps call these through
:mod:`fieldkit.services.syncing`, which wraps the engine's errors in :class:`SyncFailed`.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

import httpx

from fieldkit.errors import FieldkitError, error_to_json
from fieldkit.i18n import N_
from fieldkit.store import Store
from fieldkit.store.bulk_load import finish_interrupted
from fieldkit.store.reconcile import reconcile_store
from fieldkit.store.replica import StoreReplica
from fieldkit.sync_schema import sync_schema
from sync.client import (
    BatchTooLarge,
    SyncClient,
    SyncError,
    SyncProgress,
    SyncResult,
    Unauthorized,
    Unreachable,
    UpgradeRequired,
    run_sync,
)
from sync.protocol import EnrollReply

__all__ = [
    "NotEnrolled",
    "SyncError",
    "SyncFailed",
    "SyncProgress",
    "SyncReport",
    "enroll",
    "sync_now",
]


class NotEnrolled(FieldkitError):
    """The store has no server or token yet."""


_STATUS = re.compile(r"answered (\d{3})")
"""The HTTP status in the engine's message for an unexpected answer."""

_AGAIN = N_("Nothing was lost; try again when online.")

_ENGINE_MESSAGES: tuple[tuple[type[SyncError], str, str], ...] = (
    (
        Unreachable,
        N_("cannot reach headquarters at {url}; check the network and try again (nothing is lost)"),
        _AGAIN,
    ),
    (
        Unauthorized,
        N_("headquarters refused this device: its token is unknown or revoked"),
        N_("Ask an administrator for a new code, then run `fieldkit enroll URL CODE` again."),
    ),
    (
        UpgradeRequired,
        N_("headquarters runs another version of fieldkit"),
        N_("Install the version headquarters runs, then sync again (nothing is lost)."),
    ),
    (
        BatchTooLarge,
        N_("headquarters refused a batch of changes as too large"),
        N_("Tell headquarters; the changes stay on this laptop (nothing is lost)."),
    ),
)
"""The engine's errors in the interface's words: class, message and hint msgids."""


class SyncFailed(FieldkitError):
    """Syncing or enrolling stopped; wraps the engine's ``SyncError`` (nothing is lost).

    The engine speaks English; each of its errors becomes a msgid of its own (see
    ``_ENGINE_MESSAGES``) so the interface shows it in the user's language. The
    engine's text stays in ``params["reason"]``.
    """

    @classmethod
    def wrap(cls, err: SyncError, *, url: str = "") -> SyncFailed:
        """The engine's error in fieldkit's terms (``url``: the headquarters address used)."""
        message, hint = N_("headquarters answered with error {status}"), _AGAIN
        for kind, kind_message, kind_hint in _ENGINE_MESSAGES:
            if isinstance(err, kind):
                message, hint = kind_message, kind_hint
                break
        status = _STATUS.search(str(err))
        failed = cls(
            message,
            hint=hint,
            reason=str(err),
            url=url,
            status=status.group(1) if status else "?",
        )
        failed.__cause__ = err
        return failed


@dataclass
class SyncReport(SyncResult):
    """What one sync did (the engine's counts); ``error`` is None when it completed."""

    error: str | None = None
    failure: FieldkitError | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """Whether the sync ran to the end."""
        return self.error is None

    def summary(self) -> str:
        """One line for people: what moved."""
        parts = [
            f"sent {self.pushed} change(s)",
            f"received {self.pulled} record(s)",
        ]
        if self.removed:
            parts.append(f"removed {self.removed} out-of-scope record(s)")
        if self.duplicates:
            parts.append(f"{self.duplicates} already at HQ")
        if self.conflicts or self.new_conflicts:
            parts.append(f"{max(self.conflicts, self.new_conflicts)} conflict(s) recorded")
        if self.rejected:
            parts.append(f"{self.rejected} rejected")
        if self.resent:
            parts.append(f"{self.resent} sent again (HQ was restored from a backup)")
        return ", ".join(parts)


def _client(store: Store, transport: httpx.BaseTransport | None) -> SyncClient:
    url = store.meta("server_url")
    token = store.meta("device_token")
    if not url or not token:
        raise NotEnrolled(
            N_(
                "this laptop is not enrolled with headquarters: run `fieldkit enroll URL CODE` "
                "with the code HQ gave you"
            ),
            hint=N_("Ask an administrator at headquarters for a one-time code."),
        )
    return SyncClient(url, token, schema_version=sync_schema().version, transport=transport)


def sync_now(
    store: Store,
    *,
    on_progress: Callable[[SyncProgress], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Push the outbox, then pull; returns what moved (``error`` set if it could not)."""
    report = SyncReport()
    url = store.meta("server_url") or ""
    try:
        with _client(store, transport) as client:
            reconcile_store(store)
            result = run_sync(client, StoreReplica(store), on_progress=on_progress)
        for counted in fields(SyncResult):
            setattr(report, counted.name, getattr(result, counted.name))
    except NotEnrolled as err:
        report.error, report.failure = str(err), err
    except SyncError as err:
        report.error, report.failure = str(err), SyncFailed.wrap(err, url=url)
    finally:
        # a pull cut during a bulk load: build the indexes and derived data now, so
        # this process goes on with a whole store (the next pull resumes as usual)
        finish_interrupted(store.engine)
    report.finished_at = datetime.now(UTC)
    if report.ok:
        store.set_meta("last_sync_at", report.finished_at.isoformat(timespec="seconds"))
        store.set_meta("last_sync_error", "")
        store.set_meta("last_sync_problem", "")
    else:
        store.set_meta("last_sync_error", report.error or "")
        if report.failure is not None:
            store.set_meta("last_sync_problem", error_to_json(report.failure))
    return report


def enroll(
    store: Store,
    url: str,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> EnrollReply:
    """Enroll this laptop with HQ at ``url`` using a one-time ``code``; stores the token.

    Raises the engine's ``SyncError`` when HQ refuses the code or cannot be reached
    (:meth:`fieldkit.services.syncing.Sync.enroll` wraps it in :class:`SyncFailed`).
    """
    device_name = f"{socket.gethostname()} ({store.path.name})"
    with SyncClient(url, schema_version=sync_schema().version, transport=transport) as client:
        reply = client.enroll(code, device_id=store.device_id, device_name=device_name)
    # The server keeps this device's own id (its clocks' node) as the device id.
    previous = store.meta("server_url")
    store.set_meta("server_url", url.rstrip("/"))
    store.set_meta("device_token", reply.token)
    store.set_meta("user_name", reply.user)
    store.set_meta("role", reply.role)
    if previous and previous != url.rstrip("/"):
        store.set_meta("pull_cursor", "")
        store.set_meta("conflict_rev", "0")
    return reply
