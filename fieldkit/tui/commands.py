"""Command palette (Ctrl+P): every screen, every action, and persons found by the roster search."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import RosterFilter

if TYPE_CHECKING:
    from fieldkit.tui.app import FieldkitApp

__all__ = ["FieldkitCommands"]

_COMMANDS: tuple[tuple[str, str, str], ...] = (
    # (English title msgid, help msgid, app action)
    (N_("Today: who is due"), N_("Screen"), "switch_mode('today')"),
    (N_("Roster"), N_("Screen"), "switch_mode('roster')"),
    (N_("Sync"), N_("Screen"), "switch_mode('sync')"),
    (N_("Reports: the quarter's figures"), N_("Screen"), "reports"),
    (N_("Service activities: the list"), N_("Screen"), "show_activities"),
    (N_("Help"), N_("Screen"), "show_help"),
    (N_("New consultation (walk-in)"), N_("Action"), "new_consultation"),
    (N_("New service activity"), N_("Action"), "new_activity"),
    (N_("Add a person to the roster"), N_("Action"), "add_person"),
    (N_("Light / dark theme"), N_("Action"), "toggle_theme"),
    (N_("Quit"), N_("Action"), "quit"),
)

PERSON_HITS = 8


class FieldkitCommands(Provider):
    """Screens, actions and persons for the command palette."""

    @property
    def fk(self) -> FieldkitApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def _runner(self, action: str) -> Callable[[], object]:
        if action == "reports":
            return self._open_reports
        return partial(self.app.run_action, action)

    def _open_reports(self) -> None:
        from fieldkit.tui.reports_screen import ReportsScreen

        self.app.push_screen(ReportsScreen())

    async def discover(self) -> Hits:
        """Before typing: every screen and action."""
        for title, kind, action in _COMMANDS:
            yield DiscoveryHit(_(title), self._runner(action), help=_(kind))

    async def search(self, query: str) -> Hits:
        """Screens and actions matching ``query``, then persons the roster search finds."""
        matcher = self.matcher(query)
        for title, kind, action in _COMMANDS:
            text = _(title)
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._runner(action), help=_(kind))
        if not query.strip():
            return
        page = await asyncio.to_thread(
            self.fk.services.roster.search, RosterFilter(text=query), limit=PERSON_HITS
        )
        for rank, row in enumerate(page.rows):
            yield Hit(
                0.9 - rank * 0.01,
                f"{row.name}  {row.code}",
                partial(self.fk.open_person, row.id),
                text=f"{row.name} {row.code}",
                help=f"{_('Person file')} · {row.site_name} {row.address}",
            )
