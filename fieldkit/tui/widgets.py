"""Widgets and helpers shared by the screens: translated key bindings, the sync line."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from rich.align import Align
from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import FieldkitError, SyncLine

if TYPE_CHECKING:
    from fieldkit.tui.app import FieldkitApp

__all__ = [
    "TEXTUAL_KEYS",
    "FieldScreen",
    "KeysBar",
    "Palette",
    "SyncStatus",
    "fit_cells",
    "format_sync_time",
    "translate_bindings",
]


def translate_bindings(node: DOMNode) -> None:
    """Replace the English descriptions of ``node``'s key bindings with translations.

    Bindings are class attributes made at import time, before the language is
    known; each node gets a translated copy of them when it is created.
    """
    bindings = node._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            replace(b, description=_(b.description), tooltip=_(b.tooltip) if b.tooltip else "")
            if b.description
            else b
            for b in items
        ]


def fit_cells(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` terminal cells (wide characters count 2), with "…"."""
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def format_sync_time(value: str | None) -> str:
    """An ISO timestamp (a sync, a draft) as local ``2026-11-20 16:00``, or "never"."""
    if not value:
        return _("never")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class SyncStatus(Static):
    """One line: pending outbox count and the last sync time (from the app's ``sync_info``)."""

    DEFAULT_CSS = """
    SyncStatus { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    SyncStatus.-pending { color: $warning; }
    """

    def on_mount(self) -> None:
        """Follow the app's sync info."""
        self.watch(self.app, "sync_info", self._show, init=True)

    def _show(self, info: SyncLine) -> None:
        text = _("Pending sync: {pending} · Last sync: {last}").format(
            pending=info.pending, last=format_sync_time(info.last_sync_at)
        )
        if info.rejected:
            text += " · " + _("Rejected: {n}").format(n=info.rejected)
        if not info.enrolled:
            text += " · " + _("not enrolled")
        self.set_class(info.pending > 0, "-pending")
        self.update(text)


TEXTUAL_KEYS = (N_("Dismiss menu"),)
"""Descriptions of keys Textual's widgets show in the footer (an open Select's Esc), for
the catalogs: the footer translates them when it draws them."""


class KeysBar(Static):
    """The footer: every key the focused screen offers now, as text.

    One widget drawn as text instead of Textual's ``Footer`` (a widget per key,
    rebuilt on every screen change): opening a screen stays quick on an old laptop.
    It follows the screen's bindings as the focus moves. Everything goes on one
    line when it fits; otherwise the screen's own keys take the first line and the
    app's keys (Help, Today, Roster, Sync, Quit, the command palette) the next, so
    no key is ever cut off at 80 columns.
    """

    DEFAULT_CSS = """
    KeysBar { dock: bottom; height: 1; background: $footer-background; padding: 0 1; }
    """

    _drawn: Text | None = None
    """The keys drawn last (an update with the same keys is skipped)."""

    def on_mount(self) -> None:
        """Redraw whenever the screen's active bindings change."""
        self.screen.bindings_updated_signal.subscribe(self, self._redraw)
        self._redraw()

    def on_unmount(self) -> None:
        """Stop following the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _items(self) -> tuple[list[Text], list[Text]]:
        """The shown keys as ``key description`` pieces: the screen's, then the app's."""
        own: list[Text] = []
        app_keys: list[Text] = []
        seen: set[str] = set()
        for node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            item = Text(self.app.get_key_display(binding), style="bold")
            description = _(binding.description)  # Textual's own keys (see TEXTUAL_KEYS)
            item.append(f" {description}", style="" if enabled else "dim")
            (app_keys if node is self.app else own).append(item)
        palette = Text(f"^p {_('Commands')}", style="bold")
        app_keys.append(palette)
        return own, app_keys

    def _redraw(self, _screen: object = None) -> None:
        own, app_keys = self._items()
        width = self.size.width  # the content width, inside the padding
        lines = [own + app_keys]
        if width and _line_len(lines[0]) > width:
            lines = [*_wrap(own, width), *_wrap(app_keys, width)]
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, items in enumerate(lines):
            if n:
                text.append("\n")
            if n == len(lines) - 1 and width:
                # the command palette sits at the right end of the last line
                *body, tail = items
                gap = max(2, width - _line_len(body) - tail.cell_len)
                text.append_text(_join(body))
                text.append(" " * gap)
                text.append_text(tail)
            else:
                text.append_text(_join(items))
        if text == self._drawn:
            return  # the same keys again (a refresh of the bindings): no new layout
        self._drawn = text
        self.styles.height = len(lines)
        self.update(text)

    def on_resize(self) -> None:
        """Fit the keys to the new width."""
        self._redraw()


_SEP = "  "


def _join(items: list[Text]) -> Text:
    return Text(_SEP).join(items)


def _line_len(items: list[Text]) -> int:
    return sum(i.cell_len for i in items) + len(_SEP) * max(0, len(items) - 1)


def _wrap(items: list[Text], width: int) -> list[list[Text]]:
    """``items`` on as few lines of ``width`` cells as they fit, never split."""
    lines: list[list[Text]] = []
    for item in items:
        if lines and _line_len([*lines[-1], item]) <= width:
            lines[-1].append(item)
        else:
            lines.append([item])
    return lines


class FieldScreen(Screen[None]):
    """A full screen of the app: header, the screen's body, the sync line and the footer."""

    TITLE_MSGID = "fieldkit"

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._ready_seen = False

    @property
    def fk(self) -> FieldkitApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Header, body (:meth:`compose_body`), sync line, footer."""
        yield Header(icon="≡")
        yield from self.compose_body()
        yield SyncStatus()
        yield KeysBar()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    def on_mount(self) -> None:
        """Title the screen in the current language."""
        self.sub_title = _(self.TITLE_MSGID)

        self.call_later(self.check_ready)  # after the subclass's on_mount

    def check_ready(self) -> None:
        """Call :meth:`app_ready` once, as soon as the app's start information is in."""
        if self.fk.ready and not self._ready_seen:
            self._ready_seen = True
            self.app_ready()

    def app_ready(self) -> None:
        """The app's start information (user, default site) is in: start what needs it."""

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Hand this screen's workers' news to the app, where failures are handled."""
        self.fk.worker_state_changed(event)

    def worker_failed(self, error: FieldkitError) -> None:
        """A worker this screen started failed (the app has told the user); undo busy states."""


class Palette(CommandPalette):
    """Textual's command palette in the interface language (its placeholder and the
    "No matches found" line are English in Textual)."""

    no_matches_delay = 0.5
    """Seconds without hits before "No matches found" shows (0: at once)."""

    def __init__(self) -> None:
        super().__init__(placeholder=_("Search for commands…"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """After a moment without hits, say so (in the interface language)."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if not search_value:  # discovery: nothing to point out
                self._list_visible = False
                return
            self.query_one(CommandList).add_option(
                Option(
                    Align.center(Text(_("No matches found"), style="not bold")),
                    disabled=True,
                    id=self._NO_MATCHES,
                )
            )
            self._list_visible = True

        if self.no_matches_delay:
            self._no_matches_timer = self.set_timer(self.no_matches_delay, show_no_matches)
        else:
            self.call_later(show_no_matches)
