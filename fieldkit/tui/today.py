"""Today: the due and overdue visits at my sites, grouped by site and address (a route).

The list comes from the care-plan engine (:meth:`fieldkit.services.due.DueVisits.listing`)
under the county's policy (``policy.toml`` in the config directory, see
:meth:`fieldkit.services.due.DueVisits.policy`) in a thread worker; a policy file
that cannot be used is shown on the screen with its problem instead of a list.
Within a site, tasks are ordered by address so the list reads as a walk through
the site, and the counts per state sit on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldkit.domain.careplan import DueList, TaskKind, TaskState, kind_label, state_label
from fieldkit.i18n import N_, current_language
from fieldkit.i18n import gettext as _
from fieldkit.services.due import COUNTY_POLICY_FILE, PolicyProblem
from fieldkit.tui.columns import GAP, aligned, column_widths, line_width
from fieldkit.tui.display import fmt_date
from fieldkit.tui.widgets import FieldScreen

__all__ = ["TodayScreen"]

_CAPS: list[int | None] = [None, 10, 9, 10, 10, 10]

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

    @dataclass
    class PolicyFailed(Message):
        """The county's policy file could not be used."""

        problem: str

    def compose_body(self) -> ComposeResult:
        """Counts and the list."""
        yield Static(_("Loading…"), id="today-counts")
        table: DataTable[str] = DataTable(id="today-list", cursor_type="row")
        yield table

    def on_mount(self) -> None:
        """Columns, then load."""
        super().on_mount()
        self.headers = [_("Address"), _("Name"), _("Code"), _("Visit"), _("Due"), _("State")]
        self.query_one("#today-list", DataTable).add_column(
            Text(aligned(self.headers, column_widths(self.headers, [], _CAPS))), key="row"
        )

    def app_ready(self) -> None:
        """The default site is known: load the list."""
        self.reload()

    def reload(self) -> None:
        """Load the due list in a worker."""
        site = self.fk.default_site_id
        self._load([site] if site else None)

    def action_reload(self) -> None:
        """Refresh the list."""
        self.reload()

    @work(thread=True, exit_on_error=False, exclusive=True, group="today")
    def _load(self, site_ids: list[str] | None) -> None:
        due_visits = self.fk.services.due
        try:
            policy = due_visits.policy()
        except PolicyProblem as err:
            self.post_message(self.PolicyFailed(err.problem))
            return
        due = due_visits.listing(self.fk.today(), site_ids=site_ids, policy=policy)
        self.post_message(self.Loaded(due))

    @on(PolicyFailed)
    def _policy_failed(self, message: PolicyFailed) -> None:
        text = Text(
            _("The county's care-plan policy ({file}) cannot be used:").format(
                file=COUNTY_POLICY_FILE
            )
            + "\n",
            style="bold red",
        )
        text.append(message.problem + "\n")
        text.append(_("Correct or remove the file, then press r to refresh."))
        self.query_one("#today-counts", Static).update(text)
        self.query_one("#today-list", DataTable).clear()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        due = message.due
        lang = current_language()
        counts = " · ".join(
            _("{label}: {n}").format(label=state_label(state, lang), n=due.counts.get(state, 0))
            for state in TaskState
        )
        self.query_one("#today-counts", Static).update(
            counts + " · " + _("Sites: {n}").format(n=len(due.groups))
        )
        table = self.query_one("#today-list", DataTable)
        rows: list[tuple[str | None, tuple[str, ...], str]] = []  # (key, cells, style)
        seen: set[str] = set()
        for group in due.groups:
            rows.append((None, (f"▸ {group.site_name}",), "bold"))
            for task in sorted(group.tasks, key=lambda t: (t.address, t.person_code, t.sort_key)):
                task_key = f"{task.person_id}:{task.kind}"
                if task_key in seen:
                    continue
                seen.add(task_key)
                cells: tuple[str, ...] = (
                    task.address,
                    task.person_name,
                    task.person_code,
                    kind_label(task.kind, lang),
                    fmt_date(task.due),
                    state_label(task.state, lang),
                )
                rows.append((task_key, cells, _STATE_STYLE[task.state]))
        widths = column_widths(self.headers, [c for k, c, _s in rows if k], _CAPS)
        room = table.size.width - 2 - sum(widths[1:]) - len(GAP) * (len(widths) - 1)
        widths[0] = min(widths[0], max(room, cell_len(self.headers[0])))
        table.clear(columns=True)
        table.add_column(Text(aligned(self.headers, widths)), width=line_width(widths), key="row")
        for row_key, row_cells, style in rows:
            if row_key is None:
                table.add_row(Text(row_cells[0], style=style))
                continue
            line = Text(aligned(row_cells[:-1], widths[:-1]) + GAP)
            line.append(row_cells[-1], style=style)
            table.add_row(line, key=row_key)
        if not due.tasks:
            table.add_row(Text(_("Nobody is due. Well done.")))

    def _highlighted_person(self) -> str | None:
        table = self.query_one("#today-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key.split(":", 1)[0] if key else None

    def _highlighted_task(self) -> TaskKind | None:
        table = self.query_one("#today-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        kind = key.split(":", 1)[1] if key and ":" in key else ""
        return TaskKind(kind) if kind in {k.value for k in TaskKind} else None

    @on(DataTable.RowSelected, "#today-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.fk.open_person(event.row_key.value.split(":", 1)[0])

    def action_visit(self) -> None:
        """Record a visit for the highlighted person, for the highlighted task."""
        person = self._highlighted_person()
        if person:
            self.fk.open_visit_form(person, task=self._highlighted_task())
