"""Sync: pending changes, last sync, a progress bar while syncing, rejected changes.

Syncing runs :meth:`fieldkit.services.syncing.Sync.run` in a thread worker;
progress (:class:`~fieldkit.services.SyncStep`) and the outcome come back as
messages, so the app stays usable (other screens work while the bar moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import FieldkitError, OutboxStatus, SyncLine, describe
from fieldkit.services.syncing import REJECTED_HINT, SyncOutcome, SyncStep
from fieldkit.tui.widgets import FieldScreen, format_sync_time

__all__ = ["SyncScreen"]

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


class SyncScreen(FieldScreen):
    """Push and pull with headquarters; shows what is waiting and what went wrong."""

    TITLE_MSGID = N_("Sync")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync", N_("Sync now")),
        Binding("r", "reload", N_("Refresh")),
        Binding("t", "retry", N_("Retry change")),
    ]

    @dataclass
    class Loaded(Message):
        """Outbox figures arrived."""

        summary: OutboxStatus

    @dataclass
    class Progress(Message):
        """The running sync moved on."""

        step: SyncStep

    @dataclass
    class Finished(Message):
        """The sync ended (see the outcome's ``failure`` when it stopped)."""

        outcome: SyncOutcome

    @dataclass
    class Retried(Message):
        """A rejected change was put back in the outbox (``queued`` False: it was not rejected)."""

        seq: int
        queued: bool

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.summary: OutboxStatus | None = None

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
        table.add_column(_("Person"), key="person")
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

    @work(thread=True, exit_on_error=False, exclusive=True, group="sync-summary")
    def _load(self) -> None:
        self.post_message(self.Loaded(self.fk.services.outbox.status()))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.summary = message.summary
        self._show_summary()
        table = self.query_one("#sync-problems", DataTable)
        table.clear()
        for change in message.summary.rejected:
            kind = _(_TABLE_MSG.get(change.table, change.table))
            table.add_row(
                str(change.seq),
                kind,
                change.what,
                change.person,
                change.reason,
                key=str(change.seq),
            )

    def _show_summary(self, _info: SyncLine | None = None) -> None:
        """The figures: outbox counts from the last load, times from the app's sync info."""
        summary = self.summary
        if summary is None:
            return
        info = self.fk.sync_info
        lines = [_("Changes waiting to be sent: {n}").format(n=summary.pending)]
        for tbl, n in sorted(summary.pending_by_table.items()):
            lines.append(f"  {_(_TABLE_MSG.get(tbl, tbl))}: {n}")
        lines.append(
            _("Last successful sync: {when}").format(when=format_sync_time(info.last_sync_at))
        )
        if info.last_problem is not None:
            message, hint = describe(info.last_problem)
            lines.append(_("Last problem: {error}").format(error=message))
            if hint:
                lines.append("  " + hint)
        if summary.rejected_count:
            lines.append(
                _("{n} changes were rejected by headquarters; see below.").format(
                    n=summary.rejected_count
                )
            )
        self.query_one("#sync-summary", Static).update("\n".join(lines))

    def action_retry(self) -> None:
        """Send the highlighted rejected change again (once its cause is fixed)."""
        table = self.query_one("#sync-problems", DataTable)
        if table.row_count == 0:
            return
        seq = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if seq is not None:
            self._retry(int(seq))

    @work(thread=True, exit_on_error=False, exclusive=True, group="sync-retry")
    def _retry(self, seq: int) -> None:
        queued = self.fk.services.sync.retry(seq)
        self.post_message(self.Retried(seq, queued))

    @on(Retried)
    def _retried(self, message: Retried) -> None:
        text = (
            _("Change {seq} will be sent at the next sync.")
            if message.queued
            else _("Change {seq} is no longer rejected.")
        )
        self.query_one("#sync-message", Static).update(text.format(seq=message.seq))
        self.reload()
        self.fk.refresh_sync_info()

    def action_sync(self) -> None:
        """Start syncing in a worker (once at a time)."""
        if self.running:
            return
        message = self.query_one("#sync-message", Static)
        if not self.fk.sync_info.enrolled:
            message.update(
                _(
                    "This laptop is not enrolled with headquarters. Ask an administrator "
                    "for a code, then run: fieldkit enroll URL CODE"
                )
            )
            return
        self.running = True
        self.query_one("#sync-progress", ProgressBar).update(progress=0)
        message.update(_("Syncing…"))
        self._run_sync()

    @work(thread=True, exit_on_error=False, exclusive=True, group="sync-run")
    def _run_sync(self) -> None:
        def progress(step: SyncStep) -> None:
            self.post_message(self.Progress(step))

        self.post_message(self.Finished(self.fk.services.sync.run(progress)))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        step = message.step
        if step.fraction is not None:
            self.query_one("#sync-progress", ProgressBar).update(progress=step.fraction * 100)
        if step.label:
            self.query_one("#sync-message", Static).update(_("Syncing…") + " " + step.label)

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        outcome = message.outcome
        failure = outcome.failure
        if failure is None:
            self.query_one("#sync-progress", ProgressBar).update(progress=100)
            text = _("Sync finished.") + " " + outcome.summary()
            if outcome.report.rejected:
                text += "\n" + _(REJECTED_HINT)
            self.query_one("#sync-message", Static).update(text)
            self.reload()
            self.running = False
            self.fk.changed()
            if outcome.report.pushed or outcome.report.pulled:
                self.fk.keep_report_rows()  # a child process: the screen is not held
        else:
            self.worker_failed(failure)

    def worker_failed(self, error: FieldkitError) -> None:
        """The sync stopped (or its worker failed): say why; nothing was lost."""
        self.running = False
        self.query_one("#sync-message", Static).update(
            _("Sync failed: {reason}. Nothing was lost; try again when online.").format(
                reason=error.user_message()
            )
        )
        self.fk.changed()
