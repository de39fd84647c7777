"""Syncing with headquarters: enrollment, sync now, and its progress, typed for the apps.

Wraps :mod:`fieldkit.syncing`: the engine's errors come out as
:class:`~fieldkit.syncing.SyncFailed` (a :class:`~fieldkit.errors.FieldkitError`),
progress as :class:`SyncStep`, the outcome as :class:`SyncOutcome` with a
translated summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.store import Store
from fieldkit.store.outbox_status import RejectedChange
from fieldkit.store.reconcile import requeue_rejected
from fieldkit.syncing import (
    NotEnrolled,
    SyncError,
    SyncFailed,
    SyncProgress,
    SyncReport,
    enroll,
    sync_now,
)

__all__ = [
    "REJECTED_HINT",
    "Enrollment",
    "NotEnrolled",
    "Sync",
    "SyncFailed",
    "SyncOutcome",
    "SyncStep",
    "describe_rejection",
]

REJECTED_HINT = N_("Correct each record named above, then retry it on the Sync screen (key T).")
"""What to do about changes headquarters rejected (CLI and Sync screen)."""

_PHASE = {"push": N_("sending"), "pull": N_("receiving"), "conflicts": N_("conflicts")}


@dataclass(frozen=True)
class SyncStep:
    """Where a running sync stands: the share done (None when unknown) and a label."""

    fraction: float | None
    label: str

    @classmethod
    def of(cls, progress: SyncProgress) -> SyncStep:
        """The engine's progress report in the interface language."""
        phase = _(_PHASE[progress.phase]) if progress.phase in _PHASE else progress.phase
        label = " ".join(part for part in (phase, progress.message) if part)
        total = progress.total
        fraction = min(1.0, progress.done / total) if total else None
        return cls(fraction, label)


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync did: the engine's report, and the failure when it stopped."""

    report: SyncReport

    @property
    def ok(self) -> bool:
        """Whether the sync ran to the end."""
        return self.report.ok

    @property
    def failure(self) -> FieldkitError | None:
        """Why it stopped (None when it ran to the end)."""
        return self.report.failure

    def summary(self) -> str:
        """One line in the interface language: what moved."""
        r = self.report
        parts = [
            _("sent {n} change(s)").format(n=r.pushed),
            _("received {n} record(s)").format(n=r.pulled),
        ]
        if r.removed:
            parts.append(_("removed {n} out-of-scope record(s)").format(n=r.removed))
        if r.duplicates:
            parts.append(_("{n} already at HQ").format(n=r.duplicates))
        if r.conflicts or r.new_conflicts:
            n = max(r.conflicts, r.new_conflicts)
            parts.append(_("{n} conflict(s) recorded").format(n=n))
        if r.rejected:
            parts.append(_("{n} rejected").format(n=r.rejected))
        if r.resent:
            parts.append(_("{n} sent again (HQ was restored from a backup)").format(n=r.resent))
        return _(", ").join(parts)


def describe_rejection(change: RejectedChange) -> str:
    """One line for people: whose change HQ refused, why, and what to do."""
    who = change.person or change.what
    return _("{who}: headquarters rejected this change: {reason}").format(
        who=who, reason=change.reason
    )


@dataclass(frozen=True)
class Enrollment:
    """Who this laptop now syncs as."""

    user: str
    role: str
    sites: tuple[str, ...] | None
    device_id: str


class Sync:
    """Enrolling this laptop and syncing it with headquarters."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def enrolled(self) -> bool:
        """Whether this laptop holds a server address and a device token."""
        return bool(self._store.meta("server_url") and self._store.meta("device_token"))

    def enroll(self, url: str, code: str) -> Enrollment:
        """Trade a one-time ``code`` from HQ at ``url`` for this laptop's token.

        Raises :class:`SyncFailed` when HQ refuses the code or cannot be reached.
        """
        try:
            reply = enroll(self._store, url, code)
        except SyncError as err:
            raise SyncFailed(
                N_("enrollment failed: {reason}"),
                hint=N_("Check the address and the code, then try again."),
                reason=str(err),
            ) from err
        sites = None if reply.scope is None else tuple(reply.scope)
        return Enrollment(reply.user, reply.role, sites, reply.device_id)

    def run(self, on_progress: Callable[[SyncStep], None] | None = None) -> SyncOutcome:
        """Push the outbox, then pull; never raises for a sync failure (see the outcome)."""

        def tell(progress: SyncProgress) -> None:
            if on_progress is not None:
                on_progress(SyncStep.of(progress))

        return SyncOutcome(sync_now(self._store, on_progress=tell))

    def retry(self, seq: int) -> bool:
        """Queue rejected change ``seq`` again with its record as it is now.

        False when no rejected change has that number (already retried or sent).
        """
        return requeue_rejected(self._store, seq)
