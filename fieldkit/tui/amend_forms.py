"""Correcting a saved record (its fields prefilled, saved as a correction) and voiding one
(a reason asked for, then a confirmation).

The correction form is a record form like the others: Ctrl+S saves, Esc asks before
typed input is lost, a refusal is shown at its field. It lists only the fields the
user may correct (a volunteer never sees the money of a visit), each prefilled with
the record's current value; what differs on saving is the correction.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from fieldkit.domain.money import format_yuan
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services.amendments import CORRECTABLE
from fieldkit.services.person_file import RecordView
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.display import vocab_select
from fieldkit.tui.forms import (
    FieldError,
    FormScreen,
    at,
    field,
    parse_count,
    parse_day,
    parse_money,
    parse_optional_day,
    parse_time_of_day,
)
from fieldkit.tui.record_view import field_label
from fieldkit.tui.widgets import translate_bindings

__all__ = ["CorrectionForm", "VoidDialog"]

_DATE_OPTIONAL = frozenset({"follow_up_due"})


def _prefill(name: str, kind: type, value: object) -> str:
    """The text an input starts with for the record's current ``value``."""
    if value is None:
        return ""
    if name.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CorrectionForm(FormScreen):
    """The fields of a saved record, prefilled; saving corrects the record."""

    TITLE_MSGID = N_("Correct a record")

    def __init__(self, record: RecordView, allowed: frozenset[str]) -> None:
        super().__init__()
        self.record = record
        kinds = CORRECTABLE.get(record.kind, {})
        self.current = {n: v for n, v in record.fields if n in kinds and n in allowed}
        self.kinds = {n: kinds[n] for n in self.current}

    def compose_fields(self) -> ComposeResult:
        """One row per correctable field, then the reason."""
        yield Static(_("Correct the fields that are wrong, give a reason, Ctrl+S saves."))
        for name, kind in self.kinds.items():
            value = self.current[name]
            label = field_label(name)
            if isinstance(kind, type) and issubclass(kind, StrEnum):
                yield from field(
                    label,
                    vocab_select(kind, name, value=str(value), allow_blank=False),
                    name,
                )
            elif kind is datetime:
                assert isinstance(value, datetime)
                yield from field(
                    _("Date"), Input(value.date().isoformat(), id=name, compact=True), name
                )
                yield from field(
                    _("Time"),
                    Input(value.strftime("%H:%M"), id=f"{name}_time", compact=True),
                    f"{name}_time",
                )
            else:
                yield from field(
                    label, Input(_prefill(name, kind, value), id=name, compact=True), name
                )
        yield from field(
            _("Reason for the correction"), Input(id="amend_reason", compact=True), "amend_reason"
        )

    def on_mount(self) -> None:
        """Focus the first field."""
        super().on_mount()
        fields = self.query("#form Input, #form Select")
        if fields:
            fields.first().focus()

    def _parsed(self, name: str, kind: type) -> Any:
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return kind(str(self.query_one(f"#{name}", Select).value))
        raw = self.query_one(f"#{name}", Input).value
        if kind is datetime:
            moment = parse_time_of_day(f"{name}_time", self.query_one(f"#{name}_time", Input).value)
            return at(parse_day(name, raw), moment)
        if kind is date:
            if name in _DATE_OPTIONAL:
                return parse_optional_day(name, raw)
            return parse_day(name, raw)
        if kind is int:
            return parse_money(name, raw) if name.endswith("_fen") else parse_count(name, raw)
        return raw.strip()

    def changes(self) -> dict[str, Any]:
        """The fields whose typed value differs from the record's (raises FieldError)."""
        out: dict[str, Any] = {}
        for name, kind in self.kinds.items():
            value = self._parsed(name, kind)
            if value != self.current[name]:
                out[name] = value
        return out

    def submit(self) -> None:
        """Work out what changed, check it as the record's own form would, then save it."""
        changes = self.changes()
        if not changes:
            raise FieldError(next(iter(self.kinds), "amend_reason"), _("Nothing was changed"))
        moment = changes.get("visited_at")
        if isinstance(moment, datetime) and moment.date() > self.fk.today():
            raise FieldError("visited_at", _("The visit cannot be in the future"))
        money = changes.get("money_fen")
        limit = self.fk.config.money_confirm_fen
        if isinstance(money, int) and money > limit:

            def answer(ok: bool | None) -> None:
                if ok:
                    self._start_save(changes)
                else:
                    self.query_one("#money_fen", Input).focus()

            self.app.push_screen(
                ConfirmDialog(
                    _("{amount} yuan is above the {limit} yuan limit. Save this amount?").format(
                        amount=format_yuan(money), limit=format_yuan(limit)
                    )
                ),
                answer,
            )
            return
        self._start_save(changes)

    def _start_save(self, changes: dict[str, Any]) -> None:
        reason = self.query_one("#amend_reason", Input).value
        rec = self.record
        self.save_in_worker(
            lambda: self.fk.services.amend.correct(rec.kind, rec.row_id, changes, reason),
            _("Correction saved"),
        )

    def error_field(self, store_field: str) -> str:
        """A refusal about the record itself points at the reason."""
        return store_field if store_field in self.kinds else "amend_reason"


class VoidDialog(ModalScreen[str | None]):
    """Ask why a record is voided; dismisses with the reason typed (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        """The question, the reason box and two buttons."""
        with Vertical(id="dialog"):
            yield Static(
                _("Void this record? It stays in the history, marked voided, and counts nowhere."),
                id="question",
            )
            yield Input(placeholder=_("Why is it voided?"), id="void-reason")
            yield Static("", id="void-error")
            with Horizontal(id="dialog-buttons"):
                yield Button(_("Void"), variant="warning", id="void-yes")
                yield Button(_("Cancel"), variant="primary", id="void-no")

    def on_mount(self) -> None:
        """The reason box has the focus."""
        self.query_one("#void-reason", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        """Enter in the reason box voids."""
        self.dismiss(self.query_one("#void-reason", Input).value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Void with the reason typed, or cancel."""
        if event.button.id == "void-yes":
            self.dismiss(self.query_one("#void-reason", Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Esc cancels."""
        self.dismiss(None)
