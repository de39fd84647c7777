"""Today: the due and overdue visits at my sites, grouped by site and address (a route).

The list comes from the care-plan engine (:func:`fieldkit.store.due_list.due_list`)
in a thread worker; within a site, tasks are ordered by address so the list reads
as a walk through the site, and the counts per state sit on top.
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

from fieldkit.domain.careplan import DueList, TaskState, kind_label, state_label
from fieldkit.i18n import N_, current_language
from fieldkit.i18n import gettext as _
from fieldkit.store.due_list import due_list
from fieldkit.tui.display import fmt_date
from fieldkit.tui.widgets import FieldScreen

__all__ = ["TodayScreen"]

_STATE_STYLE = {
    TaskState.OVERDUE: "bold red",
    TaskState.DUE_TODAY: "bold yellow",
    TaskState.DUE_THIS_WEEK: "",
    TaskState.UPCOMING: "dim",
}


class TodayScreen(FieldScreen):
    """The day's route: counts on top, then tasks by site and address."""

    TITLE_MSGID = N_("Today")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "visit", N_("Visit")),
        Binding("r", "reload", N_("Refresh")),
    ]

    @dataclass
    class Loaded(Message):
        """The due list arrived."""

        due: DueList

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
        table.add_column(_("Visit"), key="kind")
        table.add_column(_("Due"), key="due")
        table.add_column(_("State"), key="state")
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
        self.post_message(
            self.Loaded(due_list(self.fk.store, on=self.fk.today(), site_ids=site_ids))
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        due = message.due
        lang = current_language()
        counts = " · ".join(
            f"{state_label(state, lang)}: {due.counts.get(state, 0)}" for state in TaskState
        )
        self.query_one("#today-counts", Static).update(
            counts + " · " + _("Sites: {n}").format(n=len(due.groups))
        )
        table = self.query_one("#today-list", DataTable)
        table.clear()
        seen: set[str] = set()
        for group in due.groups:
            table.add_row(Text(f"▸ {group.site_name}", style="bold"), "", "", "", "", "")
            for task in sorted(group.tasks, key=lambda t: (t.address, t.person_code, t.sort_key)):
                key = f"{task.person_id}:{task.kind}"
                if key in seen:
                    continue
                seen.add(key)
                table.add_row(
                    task.address,
                    task.person_name,
                    task.person_code,
                    kind_label(task.kind, lang),
                    fmt_date(task.due),
                    Text(state_label(task.state, lang), style=_STATE_STYLE[task.state]),
                    key=key,
                )
        if not due.tasks:
            table.add_row(_("Nobody is due. Well done."), "", "", "", "", "")

    def _highlighted_person(self) -> str | None:
        table = self.query_one("#today-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key.split(":", 1)[0] if key else None

    @on(DataTable.RowSelected, "#today-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.fk.open_person(event.row_key.value.split(":", 1)[0])

    def action_visit(self) -> None:
        """Record a visit for the highlighted person."""
        person = self._highlighted_person()
        if person:
            self.fk.open_visit_form(person)
