"""Sync: pending changes, last sync, a progress bar while syncing, rejected changes.

Syncing runs ``fieldkit.syncing.sync_now(store, on_progress=...)`` in a thread
worker; progress and the outcome come back as messages, so the app stays usable
(other screens work while the bar moves).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import func, select
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.store import Store
from fieldkit.store.tables import OutboxEntry, OutboxState
from fieldkit.tui.widgets import FieldScreen, SyncInfo, format_sync_time

__all__ = ["OutboxSummary", "SyncScreen", "outbox_summary", "read_progress"]

_TABLE_MSG = {
    "site": N_("Sites"),
    "staff_member": N_("Staff"),
    "person": N_("Persons"),
    "person_event": N_("Status changes"),
    "visit": N_("Visits"),
    "consultation": N_("Consultations"),
    "volunteer_team": N_("Teams"),
    "team_member": N_("Team members"),
    "service_activity": N_("Activities"),
}


@dataclass(frozen=True)
class OutboxSummary:
    """Pending changes per table and the rejected changes with their reasons."""

    pending: dict[str, int]
    rejected: list[tuple[int, str, str, str]]  # seq, table, summary of data, reason


def outbox_summary(store: Store, limit: int = 200) -> OutboxSummary:
    """What waits in the outbox (counted per table) and what HQ rejected."""
    with store.read() as s:
        conn = s.connection()
        pending = {
            str(t): int(n)
            for t, n in conn.execute(
                select(OutboxEntry.tbl, func.count())  # type: ignore[call-overload]
                .where(OutboxEntry.state == OutboxState.PENDING)
                .group_by(OutboxEntry.tbl)
            )
        }
        rejected = [
            (int(seq), str(tbl), _brief(data), str(reason))
            for seq, tbl, data, reason in conn.execute(
                select(OutboxEntry.seq, OutboxEntry.tbl, OutboxEntry.data, OutboxEntry.reason)  # type: ignore[call-overload]
                .where(OutboxEntry.state == OutboxState.REJECTED)
                .order_by(OutboxEntry.seq)
                .limit(limit)
            )
        ]
    return OutboxSummary(pending=pending, rejected=rejected)


def _brief(data: str) -> str:
    try:
        fields = json.loads(data)
    except ValueError:
        return data[:40]
    for key in ("name", "code", "visited_at", "held_on", "kind"):
        if key in fields:
            return str(fields[key])
    return ", ".join(sorted(fields))[:40]


def _find_sync_now() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("fieldkit.syncing")
    except ImportError:
        return None
    fn = getattr(module, "sync_now", None)
    return fn if callable(fn) else None


def read_progress(progress: Any) -> tuple[float | None, str]:
    """A :class:`sync.client.SyncProgress` as (fraction done or None, label)."""
    done = getattr(progress, "done", None)
    total = getattr(progress, "total", None)
    phase = str(getattr(progress, "phase", "") or "")
    text = str(getattr(progress, "message", "") or "")
    label = " ".join(p for p in (_(_PHASE_MSG.get(phase, phase)) if phase else "", text) if p)
    if isinstance(done, int) and isinstance(total, int) and total > 0:
        return min(1.0, done / total), label
    return None, label


_PHASE_MSG = {"push": N_("sending"), "pull": N_("receiving"), "conflicts": N_("conflicts")}


class SyncScreen(FieldScreen):
    """Push and pull with headquarters; shows what is waiting and what went wrong."""

    TITLE_MSGID = N_("Sync")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync", N_("Sync now")),
        Binding("r", "reload", N_("Refresh")),
    ]

    @dataclass
    class Loaded(Message):
        """Outbox figures arrived."""

        summary: OutboxSummary

    @dataclass
    class Progress(Message):
        """The running sync moved on."""

        fraction: float | None
        label: str

    @dataclass
    class Finished(Message):
        """The sync ended; ``error`` says why it failed."""

        ok: bool
        text: str

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.summary: OutboxSummary | None = None

    def compose_body(self) -> ComposeResult:
        """Summary, progress bar, message, rejected changes."""
        yield Static(_("Loading…"), id="sync-summary")
        yield ProgressBar(total=100, show_eta=False, id="sync-progress")
        yield Static(_("Press S to sync now."), id="sync-message")
        table: DataTable[str] = DataTable(id="sync-problems", cursor_type="row")
        yield table

    def on_mount(self) -> None:
        """Columns, then load."""
        super().on_mount()
        table = self.query_one("#sync-problems", DataTable)
        table.add_column(_("No."), key="seq")
        table.add_column(_("Kind"), key="tbl")
        table.add_column(_("Record"), key="what")
        table.add_column(_("Reason rejected"), key="reason")
        self.watch(self.app, "sync_info", self._show_summary, init=False)
        self.reload()

    def reload(self) -> None:
        """Refresh the figures."""
        self._load()

    def action_reload(self) -> None:
        """Refresh the figures."""
        self.reload()
        self.fk.refresh_sync_info()

    @work(thread=True, exclusive=True, group="sync-summary")
    def _load(self) -> None:
        self.post_message(self.Loaded(outbox_summary(self.fk.store)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.summary = message.summary
        self._show_summary()
        table = self.query_one("#sync-problems", DataTable)
        table.clear()
        for seq, tbl, what, reason in message.summary.rejected:
            table.add_row(str(seq), _(_TABLE_MSG.get(tbl, tbl)), what, reason)

    def _show_summary(self, _info: SyncInfo | None = None) -> None:
        """The figures: outbox counts from the last load, times from the app's sync info."""
        summary = self.summary
        if summary is None:
            return
        info = self.fk.sync_info
        total = sum(summary.pending.values())
        lines = [_("Changes waiting to be sent: {n}").format(n=total)]
        for tbl, n in sorted(summary.pending.items()):
            lines.append(f"  {_(_TABLE_MSG.get(tbl, tbl))}: {n}")
        lines.append(
            _("Last successful sync: {when}").format(when=format_sync_time(info.last_sync_at))
        )
        if info.last_error:
            lines.append(_("Last problem: {error}").format(error=info.last_error))
        if summary.rejected:
            lines.append(
                _("{n} changes were rejected by headquarters; see below.").format(
                    n=len(summary.rejected)
                )
            )
        self.query_one("#sync-summary", Static).update("\n".join(lines))

    def action_sync(self) -> None:
        """Start syncing in a worker (once at a time)."""
        if self.running:
            return
        sync_now = _find_sync_now()
        message = self.query_one("#sync-message", Static)
        if not self.fk.sync_info.enrolled:
            message.update(
                _(
                    "This laptop is not enrolled with headquarters. Ask an administrator "
                    "for a code, then run: fieldkit enroll URL CODE"
                )
            )
            return
        if sync_now is None:
            message.update(_("Syncing is not available in this installation."))
            return
        self.running = True
        self.query_one("#sync-progress", ProgressBar).update(progress=0)
        message.update(_("Syncing…"))
        self._run_sync(sync_now)

    @work(thread=True, exclusive=True, group="sync-run")
    def _run_sync(self, sync_now: Callable[..., Any]) -> None:
        def progress(update: Any) -> None:
            fraction, label = read_progress(update)
            self.post_message(self.Progress(fraction, label))

        try:
            report = sync_now(self.fk.store, on_progress=progress)
        except Exception as err:  # the reason is shown to the user, nothing is lost
            self.post_message(self.Finished(False, str(err) or type(err).__name__))
            return
        error = getattr(report, "error", None)
        if error:
            self.post_message(self.Finished(False, str(error)))
            return
        summary = getattr(report, "summary", None)
        self.post_message(self.Finished(True, summary() if callable(summary) else ""))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        bar = self.query_one("#sync-progress", ProgressBar)
        if message.fraction is not None:
            bar.update(progress=message.fraction * 100)
        if message.label:
            self.query_one("#sync-message", Static).update(_("Syncing…") + " " + message.label)

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.running = False
        bar = self.query_one("#sync-progress", ProgressBar)
        text = self.query_one("#sync-message", Static)
        if message.ok:
            bar.update(progress=100)
            text.update(_("Sync finished.") + (" " + message.text if message.text else ""))
        else:
            text.update(
                _("Sync failed: {reason}. Nothing was lost; try again when online.").format(
                    reason=message.text
                )
            )
        self.fk.changed()
