"""Today: the due and overdue visits at my sites, grouped by site and address (a route).

The list comes from the care-plan engine (:meth:`fieldkit.services.due.DueVisits.listing`)
under the county's policy (``policy.toml`` in the config directory, see
:meth:`fieldkit.services.due.DueVisits.policy`) in a thread worker; a policy file
that cannot be used is shown on the screen with its problem instead of a list.
Within a site, tasks are ordered by address in natural order (Chinese numerals
read as numbers) so the list reads as a walk through the site; each shows why it
is owed and how many days it is late, and the counts per state sit on top. The
first screenful is shown as soon as it is known, before the whole list is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from fieldkit.domain.careplan import DueList, Task, TaskKind, TaskState, kind_label, state_label
from fieldkit.domain.ordering import address_key
from fieldkit.i18n import N_, current_language
from fieldkit.i18n import gettext as _
from fieldkit.services.due import COUNTY_POLICY_FILE, PolicyProblem
from fieldkit.tui.columns import GAP, aligned, column_widths, line_width
from fieldkit.tui.display import fmt_date, policy_problem_text
from fieldkit.tui.widgets import FieldScreen

__all__ = ["TodayScreen"]

_CAPS: list[int | None] = [None, 10, 9, 10, 10, 6, 30, 10]
"""Widest each column may be (the address takes what is left, then the reason gives way)."""

_ADDRESS, _REASON = 0, 6
_SHRINK = (_REASON, _ADDRESS, 4, _REASON)
"""The columns cut to fit a narrow terminal, in this order: the reason (to
:data:`_LEAST`), the address, the date, then the reason again."""

_LEAST = {_REASON: 10, _ADDRESS: 10}
"""Cells a column keeps while others give way (an abbreviated reason, an address)."""


def route_key(task: Task) -> tuple[object, ...]:
    """Walking order within a site: address in natural order (三组6号 before 三组51号,
    二组 before 十组), then code, then urgency."""
    return (address_key(task.address), task.person_code, task.sort_key)


def overdue_text(task: Task, today: date) -> str:
    """How many days the task is late ("12天"), empty when it is not."""
    days = (today - task.due).days
    if task.state is not TaskState.OVERDUE or days <= 0:
        return ""
    return _("{n}d").format(n=days)


def _by_site(tasks: list[Task], names: dict[str, str]) -> list[tuple[str, list[Task]]]:
    """The first tasks grouped by site, the sites by name (as the whole list does)."""
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.site_id, []).append(task)
    named = [(names.get(site_id, site_id), found) for site_id, found in groups.items()]
    return sorted(named, key=lambda g: g[0])


def _fit(widths: list[int], room: int, least: list[int]) -> list[int]:
    """``widths`` cut to ``room`` cells, taking from the columns of :data:`_SHRINK`."""
    out = list(widths)
    over = line_width(out) - room
    floor = list(least)
    for n, i in enumerate(_SHRINK):
        if over <= 0:
            break
        if n == len(_SHRINK) - 1:
            floor[i] = min(floor[i], 4)  # the last resort: the reason shrinks to its first word
        take = min(over, out[i] - floor[i])
        if take > 0:
            out[i] -= take
            over -= take
    return out


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
    class HeadLoaded(Message):
        """The first screenful arrived, by site (the whole list follows)."""

        groups: list[tuple[str, list[Task]]]

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
        self.headers = [
            _("Address"),
            _("Name"),
            _("Code"),
            _("Visit"),
            _("Due"),
            _("Late"),
            _("Why"),
            _("State"),
        ]
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
        worker = get_current_worker()
        sites = dict(self.fk.services.roster.sites())
        with due_visits.in_steps(self.fk.today(), site_ids=site_ids, policy=policy) as listing:
            head = listing.head()
            if not worker.is_cancelled:
                self.post_message(self.HeadLoaded(_by_site(head, sites)))
            due = listing.whole()
        if not worker.is_cancelled:
            self.post_message(self.Loaded(due))

    @on(PolicyFailed)
    def _policy_failed(self, message: PolicyFailed) -> None:
        text = policy_problem_text(COUNTY_POLICY_FILE, message.problem)
        self.query_one("#today-counts", Static).update(text)
        self.query_one("#today-list", DataTable).clear()

    @on(HeadLoaded)
    def _head_loaded(self, message: HeadLoaded) -> None:
        self.query_one("#today-counts", Static).update(_("Loading…"))
        self._show(message.groups)

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
        self._show([(g.site_name, list(g.tasks)) for g in due.groups])
        if not due.tasks:
            self.query_one("#today-list", DataTable).add_row(Text(_("Nobody is due. Well done.")))

    def _show(self, groups: list[tuple[str, list[Task]]]) -> None:
        """Fill the list: a line per site, then its tasks in walking order."""
        lang = current_language()
        today = self.fk.today()
        table = self.query_one("#today-list", DataTable)
        rows: list[tuple[str | None, tuple[str, ...], str]] = []  # (key, cells, style)
        seen: set[str] = set()
        for site_name, tasks in groups:
            rows.append((None, (f"▸ {site_name}",), "bold"))
            for task in sorted(tasks, key=route_key):
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
                    overdue_text(task, today),
                    task.why(lang),
                    state_label(task.state, lang),
                )
                rows.append((task_key, cells, _STATE_STYLE[task.state]))
        widths = _fit(
            column_widths(self.headers, [c for k, c, _s in rows if k], _CAPS),
            table.size.width - 2,
            [max(cell_len(h), _LEAST.get(i, 0)) for i, h in enumerate(self.headers)],
        )
        table.clear(columns=True)
        table.add_column(Text(aligned(self.headers, widths)), width=line_width(widths), key="row")
        for row_key, row_cells, style in rows:
            if row_key is None:
                table.add_row(Text(row_cells[0], style=style))
                continue
            line = Text(aligned(row_cells[:-1], widths[:-1]) + GAP)
            line.append(row_cells[-1], style=style)
            table.add_row(line, key=row_key)

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
