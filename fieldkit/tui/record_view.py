"""One record of a person's timeline, read-only: every field, who recorded it, where and
when, whether it has reached HQ, and its corrections (Enter on a history row opens it;
Esc goes back). O corrects it (its fields in a form, prefilled), X voids it (a reason
is asked for); a voided record stays here, marked, and can be changed no more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from fieldkit.domain.money import format_yuan
from fieldkit.domain.vocab import AmendAction
from fieldkit.errors import FieldkitError, describe
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services.person_file import RecordView
from fieldkit.tui.display import vocab_label
from fieldkit.tui.widgets import FieldScreen

__all__ = ["RecordScreen", "field_label"]

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
    "deleted": N_("Voided"),
    "person.status": N_("Person's status"),
    "person.phone": N_("Person's phone"),
    "person.address": N_("Person's address"),
}
"""Labels of the fields shown (msgids); other fields show their own name."""


def field_label(name: str) -> str:
    """A field's label in the interface language (its own name when it has none)."""
    return _(_LABELS[name]) if name in _LABELS else name


def _wire_shown(name: str, value: object) -> str:
    """An amendment's old or new value (wire form) as text."""
    if value is None or value == "":
        return "—"
    if name.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        return value.replace("T", " ")[:16]
    return str(value)


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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.back", N_("Back")),
        Binding("o", "correct", N_("Correct")),
        Binding("x", "void", N_("Void")),
    ]

    @dataclass
    class Loaded(Message):
        """The record arrived (None: it is not in the store) with the fields the user may
        correct."""

        record: RecordView | None
        allowed: frozenset[str] = frozenset()

    @dataclass
    class VoidDone(Message):
        """A void was saved ("") or refused (the message)."""

        error: str

    def __init__(self, kind: str, row_id: str) -> None:
        super().__init__()
        self.kind = kind
        self.row_id = row_id
        self.record: RecordView | None = None
        self.allowed: frozenset[str] = frozenset()

    def compose_body(self) -> ComposeResult:
        """The voided mark, the fields, the trail, then the corrections."""
        with VerticalScroll(id="record-body"):
            yield Static("", id="record-state")
            yield Static("", id="record-fields")
            yield Static("", id="record-trail")
            yield Static("", id="record-amendments")

    def on_mount(self) -> None:
        """Load the record in a worker."""
        self._load()

    def reload(self) -> None:
        """A save anywhere (a correction of this record): load it again."""
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="record-view")
    def _load(self) -> None:
        services = self.fk.services
        record = services.files.record(self.kind, self.row_id)
        allowed = services.amend.correctable(self.kind) if record is not None else frozenset()
        self.post_message(self.Loaded(record, allowed))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.record = rec = message.record
        self.allowed = message.allowed
        self.refresh_bindings()
        if rec is None:
            self.query_one("#record-fields", Static).update(_("This record is not in the store."))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name, value in rec.fields:
            grid.add_row(field_label(name), _shown(name, value))
        self.query_one("#record-fields", Static).update(grid)
        self.query_one("#record-trail", Static).update(self._trail(rec))
        state = self.query_one("#record-state", Static)
        state.update(Text(_("VOIDED: counted nowhere"), style="bold red") if rec.voided else "")
        state.display = rec.voided
        self.query_one("#record-amendments", Static).update(self._amendments(rec))

    def _trail(self, rec: RecordView) -> str:
        """Who recorded it, when, on which laptop, and whether HQ has it."""
        who = rec.recorded_by or _("a user not recorded")
        if rec.written_at is None:
            return "\n".join(
                [
                    _("Recorded by {user}").format(user=who),
                    _("Received from headquarters (written on another device)."),
                ]
            )
        where = _("this laptop") if rec.this_laptop else rec.device
        lines = [
            _("Written {when} on {device} by {user}").format(
                when=rec.written_at.strftime("%Y-%m-%d %H:%M"), device=where, user=who
            ),
            _("Reached headquarters") if rec.reached_hq else _("Not yet at headquarters"),
        ]
        return "\n".join(lines)

    def _amendments(self, rec: RecordView) -> Text:
        """Each correction and the void: when, who, on which device, old → new, why."""
        out = Text()
        if not rec.amendments:
            return out
        out.append(_("Corrections"), style="bold")
        for a in rec.amendments:
            head = _("Voided") if a.action == AmendAction.VOID else _("Corrected")
            out.append(f"\n{a.at.strftime('%Y-%m-%d %H:%M')}  {head}  ", style="bold")
            device = _("this laptop") if a.device == rec.own_device else a.device or "—"
            out.append(_("by {user} on {device}").format(user=a.by_user or "—", device=device))
            for name, (old, new) in a.changes.items():
                if name == "deleted":
                    continue
                out.append(
                    f"\n  {field_label(name)}: {_wire_shown(name, old)} → {_wire_shown(name, new)}"
                )
            if a.reason:
                out.append("\n  " + _("Reason: {reason}").format(reason=a.reason))
        return out

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """O and X are offered on a record that is not voided (O: if a field may change)."""
        if action in ("correct", "void"):
            rec = self.record
            if rec is None or rec.voided:
                return False
            return action == "void" or bool(self.allowed)
        return True

    def action_correct(self) -> None:
        """Open the record's fields in a form, prefilled; saving corrects it."""
        if self.record is None or self.record.voided or not self.allowed:
            return
        from fieldkit.tui.amend_forms import CorrectionForm

        self.app.push_screen(CorrectionForm(self.record, self.allowed))

    def action_void(self) -> None:
        """Ask why, then void the record."""
        if self.record is None or self.record.voided:
            return
        from fieldkit.tui.amend_forms import VoidDialog

        def answer(reason: str | None) -> None:
            if reason is not None:
                self._void(reason)

        self.app.push_screen(VoidDialog(), answer)

    @work(thread=True, exit_on_error=False, group="record-void")
    def _void(self, reason: str) -> None:
        try:
            self.fk.services.amend.void(self.kind, self.row_id, reason)
        except FieldkitError as err:
            self.post_message(self.VoidDone(" ".join(describe(err)).strip()))
            return
        self.post_message(self.VoidDone(""))

    @on(VoidDone)
    def _void_done(self, message: VoidDone) -> None:
        if message.error:
            self.app.notify(message.error, severity="error")
            return
        self.app.notify(_("Record voided"))
        self.fk.changed()
