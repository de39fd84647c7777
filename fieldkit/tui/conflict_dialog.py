"""Settle a conflict: the value headquarters kept, the one it set aside, pick one (1/2, Esc)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import ConflictSide
from fieldkit.tui.widgets import translate_bindings

__all__ = ["ConflictDialog"]


class ConflictDialog(ModalScreen[ConflictSide | None]):
    """Ask which value of one field to keep; dismisses with the side picked, None to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pick('winner')", N_("Keep")),
        Binding("2", "pick('loser')", N_("Use the other")),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, field_label: str, kept: str, other: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.field_label = field_label
        self.kept = kept
        self.other = other

    def compose(self) -> ComposeResult:
        """The question, the two values as buttons, cancel."""
        with Vertical(id="dialog"):
            yield Static(
                _("Two laptops changed {field} at the same time. Which value is right?").format(
                    field=self.field_label
                )
                + "\n"
                + _("The value picked is sent to headquarters at the next sync."),
                id="question",
            )
            with Horizontal(id="dialog-buttons"):
                yield Button(f"1 {self.kept}", variant="primary", id="winner")
                yield Button(f"2 {self.other}", variant="warning", id="loser")
                yield Button(_("Cancel (Esc)"), id="cancel")

    def on_mount(self) -> None:
        """The kept value has the focus."""
        self.query_one("#winner", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button answers."""
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.dismiss(ConflictSide(str(event.button.id)))

    def action_pick(self, side: str) -> None:
        """A key answers."""
        self.dismiss(ConflictSide(side))

    def action_cancel(self) -> None:
        """Leave without picking."""
        self.dismiss(None)
