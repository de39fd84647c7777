"""Help: every key of the app and of each screen, in the current language."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.tui.widgets import FieldScreen

__all__ = ["HelpScreen", "key_table"]

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        N_("Everywhere"),
        (
            ("F1", N_("This help")),
            ("F2", N_("Today: who is due")),
            ("F3", N_("Roster")),
            ("F4", N_("New consultation (walk-in)")),
            ("F5", N_("Sync")),
            ("F6", N_("New service activity")),
            ("F7", N_("Service activities: the list")),
            ("F9", N_("Light / dark theme")),
            ("Ctrl+P", N_("Command palette: screens, actions, persons")),
            ("Esc", N_("Back")),
            ("Ctrl+Q", N_("Quit")),
            (N_("Scan a card"), N_("Opens the person, ready to record a visit")),
        ),
    ),
    (
        N_("Roster"),
        (
            ("/", N_("Search: name, pinyin, initials, code, phone, address")),
            ("F", N_("Show or hide filters")),
            ("Enter", N_("Open the person's file")),
            ("V", N_("Record a visit")),
            ("Ctrl+N", N_("Add a person to the roster")),
            ("] [", N_("Next / previous page")),
            ("Esc", N_("Hide the filters, then clear the search")),
        ),
    ),
    (
        N_("Person file"),
        (
            ("V", N_("Record a visit")),
            ("C", N_("Record a consultation")),
            ("E", N_("Edit the file")),
            ("S", N_("Record a status change")),
            ("D", N_("Show every field of the file, or the history")),
            ("K", N_("Settle a conflict: pick the right value (administrators)")),
            ("P", N_("Print the person's service card (needs headquarters' key file)")),
        ),
    ),
    (
        N_("Forms"),
        (
            ("Ctrl+S", N_("Save")),
            ("Tab / Shift+Tab", N_("Next / previous field")),
            ("Space", N_("Tick a checklist item")),
            ("Esc", N_("Leave (asks first if something was typed)")),
        ),
    ),
    (
        N_("Today"),
        (
            ("Enter", N_("Open the person's file")),
            ("V", N_("Record a visit")),
            ("R", N_("Refresh")),
        ),
    ),
    (N_("Sync"), (("S", N_("Sync now")), ("R", N_("Refresh")), ("T", N_("Retry change")))),
    (
        N_("Reports"),
        (("[ / ]", N_("Previous / next quarter")), ("R", N_("Refresh"))),
    ),
)


def key_table() -> Table:
    """Every key with what it does, grouped by screen."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for section, keys in KEYS:
        table.add_row(f"[reverse] {_(section)} [/]", "")
        for key, what in keys:
            table.add_row(_(key), _(what))
        table.add_row("", "")
    return table


class HelpScreen(FieldScreen):
    """The list of keys."""

    TITLE_MSGID = N_("Help")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.back", N_("Back"))]

    def compose_body(self) -> ComposeResult:
        """One scrolling table."""
        with VerticalScroll():
            yield Static(key_table(), id="help-text")
