"""The roster: search as you type (name, pinyin, initials, code, phone, address) and filters.

A keystroke hands its query (:meth:`fieldkit.services.roster.Roster.search`, one
page at a time) to a thread of the event loop's pool at once, from the key's own
handler; an ``exclusive`` async worker on the UI thread awaits it and fills the
table when it comes back (no message in between). A newer keystroke cancels that
worker, and its query stops inside SQLite, so an older answer is never shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from fieldkit.domain.vocab import Category, Status, Tier
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import PAGE_SIZE, RosterFilter, RosterPage, SearchCancelled
from fieldkit.tui.columns import GAP, AlignedTable, aligned, column_widths, line_width
from fieldkit.tui.display import age, label_of, vocab_select
from fieldkit.tui.widgets import FieldScreen

__all__ = ["RosterScreen", "SearchBox"]

_Line = tuple[str, str, str, str, str, str, str, str]
"""A roster line's values, column by column (code, name, age, ... address)."""

_CAPS: list[int | None] = [10, 12, 4, 8, 8, 6, 14, None]
"""Widest a roster column may be, in cells (the address takes the rest)."""


class SearchBox(Input):
    """The roster's search box: ``/``, ``[`` and ``]`` are the screen's keys, not text."""

    SCREEN_KEYS = frozenset({"slash", "left_square_bracket", "right_square_bracket"})

    virtual_size = Reactive(Size(0, 0))
    """The text's width: a repaint when it changes, not a new layout of the screen.

    ``Input`` sets it on every keystroke and a widget's is a layout reactive; the
    box's own size never follows its text, so the layout would change nothing.
    """

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Leave the screen's keys to its bindings (the footer offers them)."""
        return key not in self.SCREEN_KEYS and super().check_consume_key(key, character)


class RosterScreen(FieldScreen):
    """Find a person: type a name, pinyin, initials, code, phone or address."""

    TITLE_MSGID = N_("Roster")
    BINDINGS: ClassVar[list[BindingType]] = [
        # ``/``, ``[`` and ``]`` are never typed into a search: they act from the box too
        Binding("slash", "focus_search", N_("Search"), priority=True),
        Binding("f", "toggle_filters", N_("Filters")),
        Binding("v", "visit", N_("Visit")),
        Binding("ctrl+n", "app.add_person", N_("New person")),
        Binding("right_square_bracket", "next_page", N_("Next page"), priority=True),
        Binding("left_square_bracket", "prev_page", N_("Prev page"), priority=True),
        Binding("escape", "back_out", N_("Back"), show=False),
    ]

    @dataclass
    class SitesLoaded(Message):
        """The site list for the filter arrived."""

        sites: list[tuple[str, str]]

    def __init__(self) -> None:
        super().__init__()
        self.flt = RosterFilter()
        self.page_offset = 0
        self.page: RosterPage | None = None
        self.page_flt: RosterFilter | None = None
        self.complete = False
        self._open_single = False
        self._shown: tuple[list[str], list[_Line], list[int]] | None = None
        self._asked = 0
        self._page_line = ""
        self._widths: list[int] = []
        """How many searches were asked for: a query still running for an older one stops."""
        self._sites: list[tuple[str, str]] = []
        """The sites the site filter offers, as ``(id, name)`` (loaded after start)."""

    def compose_body(self) -> ComposeResult:
        """Search box, filters (hidden until f, made then), the table and the page line."""
        yield SearchBox(
            placeholder=_("Search: name, pinyin (zsf), code, phone, address"),
            id="search",
            compact=True,
        )
        yield Grid(id="filters", classes="-hidden")  # filled when first shown
        yield AlignedTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static("", id="page-line")

    def on_mount(self) -> None:
        """Set up columns, start loading."""
        super().on_mount()
        self.headers = [
            _("Code"),
            _("Name"),
            _("Age"),
            _("Category"),
            _("Tier"),
            _("Status"),
            _("Site"),
            _("Address"),
        ]
        self._set_header(column_widths(self.headers, [], _CAPS))
        self.query_one("#search", Input).focus()
        if not self.fk.config.default_site:
            # No site to look up first: the first page does not wait for the app's
            # start information (a worker's round trip at start).
            self.reload()

    def app_ready(self) -> None:
        """Filter on the configured default site (then load the first page), load the sites."""
        site = self.fk.default_site_id
        if site:
            self.flt = replace(self.flt, site_id=site)
            self.reload()
        elif self.fk.config.default_site:  # configured but missing: the whole roster
            self.reload()
        self._load_sites()

    # -- loading ---------------------------------------------------------------

    def reload(self, offset: int = 0) -> None:
        """Query the current filter at ``offset``: the query starts in a thread now."""
        self.page_offset = offset
        self._asked += 1
        asked, flt, roster = self._asked, self.flt, self.fk.services.roster

        def stale() -> bool:  # a newer search stops this one inside SQLite
            return self._asked != asked

        def query() -> RosterPage:
            return roster.search(flt, offset=offset, limit=PAGE_SIZE, cancelled=stale)

        self._await_page(asyncio.get_running_loop().run_in_executor(None, query), flt, offset)

    @work(exit_on_error=False, exclusive=True, group="roster-search")
    async def _await_page(
        self, answer: asyncio.Future[RosterPage], flt: RosterFilter, offset: int
    ) -> None:
        # One complete query: matches inside names, addresses and phones come from
        # the store's trigram index as fast as the pinyin ones. A newer search
        # cancels this worker (``exclusive``): its answer is then never shown.
        try:
            page = await answer
        except SearchCancelled:
            return
        self._page_loaded(flt, page)

    @work(thread=True, exit_on_error=False, group="roster-sites")
    def _load_sites(self) -> None:
        self.post_message(self.SitesLoaded(self.fk.services.roster.sites()))

    @on(SitesLoaded)
    def _sites_loaded(self, message: SitesLoaded) -> None:
        self._sites = message.sites
        if not self.query("#f-site"):
            return  # the filters are not made yet: they start with these sites
        select = self.query_one("#f-site", Select)
        select.set_options([(name, sid) for sid, name in message.sites])
        if self.flt.site_id:
            select.value = self.flt.site_id

    def _page_loaded(self, flt: RosterFilter, page: RosterPage) -> None:
        """Show a page of results (on the UI thread), unless a newer search was asked for."""
        if flt != self.flt or page.offset != self.page_offset:
            return  # an older query finished after a newer one started
        table = self.query_one("#roster", AlignedTable)
        if not table.size.width:  # not laid out yet: rows are cut to the table's width
            self.call_after_refresh(self._page_loaded, flt, page)
            return
        self.page = page
        self.page_flt = flt
        self.complete = True
        submitted = self._open_single
        if submitted:
            self._open_single = False
            if self._open_if_single():
                return
        today = self.fk.today()
        lines = [
            (
                r.code,
                r.name,
                age(r.birth_date, today),
                label_of(Category, r.category),
                label_of(Tier, r.tier),
                label_of(Status, r.status),
                r.site_name,
                r.address,
            )
            for r in page.rows
        ]
        self._fill(table, [r.id for r in page.rows], lines)
        self.fk.first_page_shown()
        if not page.rows and flt == RosterFilter() and page.offset == 0:
            line = _(
                "The roster is empty: import one with `fieldkit import roster FILE`, "
                "or enroll with headquarters and sync (F5)."
            )
        elif not page.rows:
            line = _("No one matches.")
        else:
            first, last = page.offset + 1, page.offset + len(page.rows)
            if page.more:
                line = _("{first}-{last}, more: ] next page").format(first=first, last=last)
            else:
                line = _("{first}-{last} of {total}").format(first=first, last=last, total=last)
        if line != self._page_line:  # each update of the line is a new layout of the screen
            self._page_line = line
            self.query_one("#page-line", Static).update(line)
        if submitted:
            self._focus_table()

    def _fill(self, table: AlignedTable, ids: list[str], lines: list[_Line]) -> None:
        """Show these rows (one aligned line each); the same rows again leave the table be.

        A keystroke that does not change the result (a space, a letter that keeps
        the same page) then costs no redraw; the table draws only the lines in view.
        """
        # The columns only widen (up to their caps) while the screen is open: the
        # table's width then soon stays put, so a new page is a redraw of the table,
        # not a new layout of the screen, and the columns do not jump while typing.
        widths = column_widths(self.headers, lines, _CAPS)
        if self._widths:
            widths = [max(a, b) for a, b in zip(widths, self._widths, strict=True)]
        self._widths = widths
        widths = list(widths)
        room = table.size.width - 2 - sum(widths[:-1]) - len(GAP) * (len(widths) - 1)
        widths[-1] = min(widths[-1], max(room, cell_len(self.headers[-1])))
        shown = (ids, lines, widths)
        if shown == self._shown:
            return
        same_columns = self._shown is not None and self._shown[2] == widths
        self._shown = shown
        if same_columns:
            table.clear()  # the header and the column stay: no new layout
        else:
            self._set_header(widths)
        table.add_lines(
            [(pid, Text(aligned(cells, widths))) for pid, cells in zip(ids, lines, strict=True)]
        )

    def _set_header(self, widths: list[int]) -> None:
        """Empty the table and give it the one column headed by the aligned labels."""
        table = self.query_one("#roster", DataTable)
        table.clear(columns=True)
        table.add_column(Text(aligned(self.headers, widths)), width=line_width(widths), key="row")

    # -- input -----------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.flt = replace(self.flt, text=event.value)
        self._open_single = False
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        """Enter: open the one person found; with more, move to the list."""
        if self.page_flt != self.flt or not self.complete:
            self._open_single = True  # decided when this search's page arrives
            return
        if not self._open_if_single():
            self._focus_table()

    def _open_if_single(self) -> bool:
        """Open the person when the search found exactly one (on its first page)."""
        page = self.page
        if page is None or page.offset or page.more or len(page.rows) != 1 or not self.flt.text:
            return False
        self.fk.open_person(page.rows[0].id)
        return True

    def _focus_table(self) -> None:
        table = self.query_one("#roster", DataTable)
        if table.row_count:
            table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letter keys type into the search box: its footer leaves them out."""
        letters = action in ("toggle_filters", "visit")
        return not (letters and self.focused is self.query_one("#search"))

    @on(Select.Changed)
    def _filter_select(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        sel = event.select.id
        if sel == "f-site":
            self.flt = replace(self.flt, site_id=value)
        elif sel == "f-category":
            self.flt = replace(self.flt, category=Category(value) if value else None)
        elif sel == "f-tier":
            self.flt = replace(self.flt, tier=Tier(value) if value else None)
        elif sel == "f-status":
            self.flt = replace(self.flt, status=Status(value) if value else None)
        self.reload()

    @on(Checkbox.Changed)
    def _filter_flag(self, event: Checkbox.Changed) -> None:
        value = True if event.value else None
        if event.checkbox.id == "f-alone":
            self.flt = replace(self.flt, lives_alone=value)
        elif event.checkbox.id == "f-hardship":
            self.flt = replace(self.flt, hardship=value)
        self.reload()

    @on(DataTable.RowSelected, "#roster")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.fk.open_person(event.row_key.value)

    def selected_person_id(self) -> str | None:
        """The id of the highlighted row, if any."""
        table = self.query_one("#roster", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    # -- actions ---------------------------------------------------------------

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def action_back_out(self) -> None:
        """Esc: hide the filters, else clear the search, else go back to the search box."""
        grid = self.query_one("#filters")
        search = self.query_one("#search", Input)
        if not grid.has_class("-hidden"):
            grid.add_class("-hidden")
            search.focus()
        elif search.value:
            search.value = ""
            search.focus()
        else:
            search.focus()

    def action_toggle_filters(self) -> None:
        """Show or hide the filters; they are made when first shown (their widgets and
        styles would cost every start)."""
        grid = self.query_one("#filters")
        grid.toggle_class("-hidden")
        if grid.has_class("-hidden"):
            return
        if grid.children:
            self.query_one("#f-site", Select).focus()
        else:
            grid.mount_all(self._filter_widgets())
            self.call_after_refresh(lambda: self.query_one("#f-site", Select).focus())

    def _filter_widgets(self) -> list[Widget]:
        """The filters' widgets, showing the filter in force and the sites loaded."""
        flt = self.flt
        site = Select[str](
            [(name, sid) for sid, name in self._sites],
            prompt=_("Site: any"),
            id="f-site",
            compact=True,
        )
        if flt.site_id is not None and any(sid == flt.site_id for sid, _name in self._sites):
            site.value = flt.site_id
        return [
            site,
            vocab_select(Category, "f-category", prompt=_("Category: any")),
            vocab_select(Tier, "f-tier", prompt=_("Tier: any")),
            vocab_select(Status, "f-status", prompt=_("Status: any")),
            Horizontal(
                Checkbox(_("Lives alone"), id="f-alone", compact=True),
                Checkbox(_("Hardship"), id="f-hardship", compact=True),
                id="f-flags",
            ),
        ]

    def action_visit(self) -> None:
        """Record a visit for the highlighted person."""
        pid = self.selected_person_id()
        if pid:
            self.fk.open_visit_form(pid)

    def action_next_page(self) -> None:
        """Show the next page."""
        if self.page is not None and self.page.more:
            self.reload(self.page_offset + PAGE_SIZE)

    def action_prev_page(self) -> None:
        """Show the previous page."""
        if self.page_offset > 0:
            self.reload(max(0, self.page_offset - PAGE_SIZE))
