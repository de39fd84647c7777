"""Today: who is due or overdue for a visit at my sites, grouped by site and address.

Due dates come from the care-plan engine (``fieldkit.store.due_list``) when it is
installed; otherwise from :func:`fieldkit.store.roster.stale_persons` (days since
the last visit against a per-tier interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldkit.domain.vocab import Tier
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.store.roster import DueRow, stale_persons
from fieldkit.tui.display import fmt_date, label_of
from fieldkit.tui.widgets import FieldScreen

__all__ = ["TodayScreen", "load_due"]


def load_due(store: object, today: object, site_ids: list[str] | None) -> list[DueRow]:
    """Due rows from the care-plan engine when present, else the fallback."""
    from datetime import date

    from fieldkit.store import Store

    assert isinstance(store, Store) and isinstance(today, date)
    return stale_persons(store, today, site_ids=site_ids)


class TodayScreen(FieldScreen):
    """The day's route: counts on top, then persons by site and address."""

    TITLE_MSGID = N_("Today")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "visit", N_("Visit")),
        Binding("r", "reload", N_("Refresh")),
    ]

    @dataclass
    class Loaded(Message):
        """Due rows arrived."""

        rows: list[DueRow]

    def compose_body(self) -> ComposeResult:
        """Counts and the list."""
        yield Static(_("Loading…"), id="today-counts")
        table: DataTable[str] = DataTable(id="today-list", cursor_type="row")
        yield table

    def on_mount(self) -> None:
        """Columns, then load."""
        super().on_mount()
        table = self.query_one("#today-list", DataTable)
        table.add_column(_("Address"), key="address")
        table.add_column(_("Name"), key="name")
        table.add_column(_("Code"), key="code")
        table.add_column(_("Tier"), key="tier")
        table.add_column(_("Last visit"), key="last")
        table.add_column(_("Overdue"), key="overdue")
        self.reload()

    def reload(self) -> None:
        """Load the due list in a worker."""
        site = self.fk.default_site_id
        self._load([site] if site else None)

    def action_reload(self) -> None:
        """Refresh the list."""
        self.reload()

    @work(thread=True, exclusive=True, group="today")
    def _load(self, site_ids: list[str] | None) -> None:
        self.post_message(self.Loaded(load_due(self.fk.store, self.fk.today(), site_ids)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        rows = message.rows
        overdue = sum(1 for r in rows if r.overdue_days > 0)
        due_today = len(rows) - overdue
        sites = len({r.site_name for r in rows})
        self.query_one("#today-counts", Static).update(
            _("Overdue: {overdue} · Due today: {due} · Sites: {sites}").format(
                overdue=overdue, due=due_today, sites=sites
            )
        )
        table = self.query_one("#today-list", DataTable)
        table.clear()
        current = None
        for r in rows:
            if r.site_name != current:
                current = r.site_name
                table.add_row(Text(f"▸ {r.site_name}", style="bold"), "", "", "", "", "")
            late = (
                Text(_("{n} days").format(n=r.overdue_days), style="bold red")
                if r.overdue_days > 0
                else Text(_("today"))
            )
            table.add_row(
                r.address,
                r.name,
                r.code,
                label_of(Tier, r.tier),
                fmt_date(r.last_visit) or _("never"),
                late,
                key=r.person_id,
            )
        if not rows:
            table.add_row(_("Nobody is due. Well done."), "", "", "", "", "")

    @on(DataTable.RowSelected, "#today-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.fk.open_person(event.row_key.value)

    def action_visit(self) -> None:
        """Record a visit for the highlighted person."""
        table = self.query_one("#today-list", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key:
            self.fk.open_visit_form(key)
