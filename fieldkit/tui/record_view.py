"""One record of a person's timeline, read-only: every field, who wrote it where, and
whether it has reached HQ (Enter on a history row opens it; Esc goes back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from fieldkit.domain.money import format_yuan
from fieldkit.i18n import N_, vocab_label
from fieldkit.i18n import gettext as _
from fieldkit.services.person_file import RecordView
from fieldkit.tui.widgets import FieldScreen

__all__ = ["RecordScreen"]

_LABELS: dict[str, str] = {
    "reason": N_("Reason"),
    "visited_at": N_("Date"),
    "visitors": N_("Visitors (comma separated)"),
    "people_present": N_("People present"),
    "confirmation": N_("Confirmed by"),
    "needs": N_("Needs found"),
    "services": N_("Services done"),
    "money_fen": N_("Money handed over (yuan)"),
    "goods": N_("Goods"),
    "follow_up": N_("Follow-up owed"),
    "follow_up_due": N_("Follow-up due (date)"),
    "notes": N_("Notes"),
    "kind": N_("Kind"),
    "happened_on": N_("Date"),
    "note": N_("Notes"),
    "held_on": N_("Date"),
    "topic": N_("Topic"),
    "question": N_("Question"),
    "outcome": N_("Outcome"),
    "referral": N_("Referral"),
    "given_by": N_("Given by"),
    "walkin_name": N_("Walk-in name"),
    "walkin_village": N_("Walk-in village"),
    "title": N_("Title"),
    "duration_minutes": N_("Duration (minutes)"),
    "attendee_count": N_("Attendees"),
    "people_reached": N_("People reached"),
}
"""Labels of the fields shown (msgids); other fields show their own name."""


def _shown(name: str, value: object) -> str:
    """A field's value as text: yuan for money, labels for vocabulary slugs."""
    if value is None:
        return ""
    if name.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, StrEnum):
        return vocab_label(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


class RecordScreen(FieldScreen):
    """A saved record of ``kind`` (visit, consultation, activity, event), read-only."""

    TITLE_MSGID = N_("Saved record")

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.back", N_("Back"))]

    @dataclass
    class Loaded(Message):
        """The record arrived (None: it is not in the store)."""

        record: RecordView | None

    def __init__(self, kind: str, row_id: str) -> None:
        super().__init__()
        self.kind = kind
        self.row_id = row_id
        self.record: RecordView | None = None

    def compose_body(self) -> ComposeResult:
        """The fields, then the trail."""
        with VerticalScroll(id="record-body"):
            yield Static("", id="record-fields")
            yield Static("", id="record-trail")

    def on_mount(self) -> None:
        """Load the record in a worker."""
        self._load()

    @work(thread=True, exit_on_error=False, group="record-view")
    def _load(self) -> None:
        self.post_message(self.Loaded(self.fk.services.files.record(self.kind, self.row_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.record = rec = message.record
        if rec is None:
            self.query_one("#record-fields", Static).update(_("This record is not in the store."))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name, value in rec.fields:
            grid.add_row(_(_LABELS[name]) if name in _LABELS else name, _shown(name, value))
        self.query_one("#record-fields", Static).update(grid)
        self.query_one("#record-trail", Static).update(self._trail(rec))

    def _trail(self, rec: RecordView) -> str:
        """Who wrote it, when, on which laptop, and whether HQ has it."""
        if rec.written_at is None:
            return _("Received from headquarters (written on another device).")
        where = _("this laptop") if rec.this_laptop else rec.device
        who = self.fk.user_name or _("not enrolled")
        lines = [
            _("Written {when} on {device} by {user}").format(
                when=rec.written_at.strftime("%Y-%m-%d %H:%M"), device=where, user=who
            ),
            _("Reached headquarters") if rec.reached_hq else _("Not yet at headquarters"),
        ]
        return "\n".join(lines)
