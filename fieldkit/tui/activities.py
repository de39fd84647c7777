"""Past volunteer service activities (志愿服务活动), newest first; Enter opens one read-only.

The page is read by a thread worker (:meth:`fieldkit.services.activities.Activities.page`)
and comes back as a message; ``]`` and ``[`` move between pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services.activities import ACTIVITY_PAGE, ActivityPage, ActivityRow
from fieldkit.tui.display import vocab_label
from fieldkit.tui.widgets import FieldScreen

__all__ = ["ActivitiesScreen", "hours"]


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal (90 -> "1.5")."""
    return f"{minutes / 60:.1f}"


class ActivitiesScreen(FieldScreen):
    """Every service activity on this laptop: date, team, kind, title, reach, hours."""

    TITLE_MSGID = N_("Service activities")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "next_page", N_("Next page")),
        Binding("left_square_bracket", "prev_page", N_("Prev page")),
        Binding("escape", "app.back", N_("Back")),
    ]

    @dataclass
    class Loaded(Message):
        """A page of activities arrived."""

        page: ActivityPage

    def __init__(self) -> None:
        super().__init__()
        self.start = 0
        self.page: ActivityPage | None = None

    def compose_body(self) -> ComposeResult:
        """The list and the page line."""
        yield DataTable[str](id="activities", cursor_type="row", zebra_stripes=True)
        yield Static(_("Loading…"), id="activities-line")

    def on_mount(self) -> None:
        """Columns, then the first page."""
        super().on_mount()
        table = self.query_one("#activities", DataTable)
        for label in (
            _("Date"),
            _("Team"),
            _("Kind"),
            _("Title"),
            _("People reached"),
            _("Hours"),
            _("Site"),
        ):
            table.add_column(label)
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the current page again (after a save, too)."""
        self._load(self.start)

    @work(thread=True, exit_on_error=False, exclusive=True, group="activities")
    def _load(self, offset: int) -> None:
        self.post_message(self.Loaded(self.fk.services.activities.page(offset)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.page = page = message.page
        self.start = page.offset
        table = self.query_one("#activities", DataTable)
        table.clear()
        for row in page.rows:
            table.add_row(*self._cells(row), key=row.id)
        line = self.query_one("#activities-line", Static)
        if not page.total:
            line.update(_("No service activity is recorded yet (F6 records one)."))
        else:
            line.update(
                _("Activities {first}-{last} of {total}, newest first; Enter opens one.").format(
                    first=page.offset + 1, last=page.offset + len(page.rows), total=page.total
                )
            )

    @staticmethod
    def _cells(row: ActivityRow) -> tuple[str, ...]:
        return (
            row.held_on.isoformat(),
            row.team,
            vocab_label(row.kind),
            row.title,
            str(row.people_reached),
            hours(row.duration_minutes),
            row.site,
        )

    @on(DataTable.RowSelected, "#activities")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._open(event.row_key.value)

    def action_open(self) -> None:
        """Open the highlighted activity, read-only."""
        table = self.query_one("#activities", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                self._open(key)

    def _open(self, activity_id: str) -> None:
        from fieldkit.tui.record_view import RecordScreen

        self.app.push_screen(RecordScreen("activity", activity_id))

    def action_next_page(self) -> None:
        """The next (older) page."""
        page = self.page
        if page is not None and page.offset + len(page.rows) < page.total:
            self._load(page.offset + ACTIVITY_PAGE)

    def action_prev_page(self) -> None:
        """The previous (newer) page."""
        page = self.page
        if page is not None and page.offset > 0:
            self._load(max(0, page.offset - ACTIVITY_PAGE))
