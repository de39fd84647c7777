"""A person's file (一人一档): every field, the care plan, the timeline, follow-ups owed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    EventKind,
    Sex,
    Status,
    Tier,
    VisitReason,
)
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.store.roster import PersonFile, person_file
from fieldkit.tui.columns import GAP, aligned, column_widths
from fieldkit.tui.display import age, fmt_date, label_of, yes_no
from fieldkit.tui.widgets import FieldScreen

__all__ = ["PersonScreen"]

_CAPS: list[int | None] = [10, 8, 12, None]

_KIND_ENUM = {
    "visit": VisitReason,
    "consultation": ConsultTopic,
    "activity": ActivityKind,
    "event": EventKind,
}
_KIND_MSG = {
    "visit": N_("Visit"),
    "consultation": N_("Consultation"),
    "activity": N_("Activity"),
    "event": N_("Event"),
}


class PersonScreen(FieldScreen):
    """One person's file; reloads whenever the app reports a change."""

    TITLE_MSGID = N_("Person file")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.back", N_("Back")),
        Binding("v", "visit", N_("Visit")),
        Binding("c", "consult", N_("Consultation")),
        Binding("e", "edit", N_("Edit")),
        Binding("s", "status", N_("Status change")),
        Binding("d", "details", N_("Details")),
    ]

    @dataclass
    class Loaded(Message):
        """The file arrived from the worker."""

        person_id: str
        file: PersonFile | None

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.file: PersonFile | None = None

    def compose_body(self) -> ComposeResult:
        """Summary, follow-ups owed, then the history (D swaps it for every field)."""
        yield Static(_("Loading…"), id="person-summary")
        yield Static("", id="person-follow")
        table: DataTable[str] = DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="person-details-box", classes="-hidden"):
            yield Static("", id="person-details")

    def on_mount(self) -> None:
        """Columns, then load."""
        super().on_mount()
        self.headers = [_("Date"), _("Kind"), _("What"), _("Details")]
        self.query_one("#timeline", DataTable).add_column(
            Text(aligned(self.headers, column_widths(self.headers, [], _CAPS))), key="row"
        )
        self.reload()

    def show(self, person_id: str) -> None:
        """Reuse this screen for another person: empty it and load their file."""
        self.person_id = person_id
        self.file = None
        self.query_one("#person-summary", Static).update(_("Loading…"))
        self.query_one("#person-follow", Static).display = False
        self.query_one("#timeline", DataTable).clear()
        self.query_one("#person-details-box").add_class("-hidden")
        self.query_one("#timeline").display = True
        self.reload()

    def reload(self) -> None:
        """Load the file in a worker."""
        self._load(self.person_id)

    @work(thread=True, exclusive=True, group="person-file")
    def _load(self, person_id: str) -> None:
        self.post_message(self.Loaded(person_id, person_file(self.fk.store, person_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.person_id != self.person_id:
            return  # the screen shows someone else by now
        pf = message.file
        self.file = pf
        summary = self.query_one("#person-summary", Static)
        if pf is None:
            summary.update(_("This person is not in the store."))
            return
        p = pf.person
        today = self.fk.today()
        head = Text()
        head.append(f"{p.name}", style="bold")
        head.append(f"  {p.code}  {label_of(Sex, p.sex)}  ")
        head.append(_("{age} years").format(age=age(p.birth_date, today)) if p.birth_date else "")
        head.append(f"  {label_of(Category, p.category)}  ")
        head.append(label_of(Tier, p.tier), style="bold yellow" if p.tier == Tier.KEY else "")
        head.append("  ")
        head.append(
            label_of(Status, p.status), style="" if p.status == Status.ACTIVE else "bold red"
        )
        head.append(f"\n{pf.site.name}  {p.address}  {p.phone}\n")
        last = fmt_date(pf.last_visit) or _("never")
        head.append(_("Last visit: {last} · Visits: {n}").format(last=last, n=pf.visit_count))
        if pf.follow_ups:
            head.append("  ")
            head.append(_("Follow-ups owed: {n}").format(n=len(pf.follow_ups)), style="bold yellow")
        summary.update(head)
        if not self.query_one("#person-details-box").has_class("-hidden"):
            self._fill_details(pf)
        self._fill_timeline(pf)
        self._fill_follow(pf)

    def _fill_details(self, pf: PersonFile) -> None:
        p = pf.person
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        rows = [
            (_("Name"), p.name),
            (_("Code"), p.code),
            (_("Sex"), label_of(Sex, p.sex)),
            (_("Birth date"), fmt_date(p.birth_date)),
            (_("Category"), label_of(Category, p.category)),
            (_("Former unit"), p.former_unit),
            (_("Site"), pf.site.name),
            (_("Address"), p.address),
            (_("Phone"), p.phone),
            (_("Family"), p.family),
            (_("Health"), p.health),
            (_("Lives alone"), yes_no(p.lives_alone)),
            (_("Hardship"), yes_no(p.hardship)),
            (
                _("Party member"),
                yes_no(p.party_member) + (f" ({p.party_year})" if p.party_year else ""),
            ),
            (_("Skills"), p.skills),
            (_("Status"), label_of(Status, p.status)),
            (_("Tier"), label_of(Tier, p.tier)),
            (_("Contact"), pf.contact.name if pf.contact else ""),
            (_("Care plan"), p.plan_notes),
            (_("Plan review"), fmt_date(p.plan_review_date)),
            (_("Notes"), p.notes),
        ]
        for k, v in rows:
            grid.add_row(k, v)
        self.query_one("#person-details", Static).update(grid)

    def _fill_timeline(self, pf: PersonFile) -> None:
        table = self.query_one("#timeline", DataTable)
        lines = [
            (
                fmt_date(e.when),
                _(_KIND_MSG[e.kind]),
                label_of(_KIND_ENUM[e.kind], e.code),
                e.summary,
            )
            for e in pf.timeline
        ]
        widths = column_widths(self.headers, lines, _CAPS)
        room = table.size.width - 2 - sum(widths[:-1]) - len(GAP) * (len(widths) - 1)
        widths[-1] = min(widths[-1], max(room, 8))
        table.clear(columns=True)
        table.add_column(Text(aligned(self.headers, widths)), key="row")
        for e, cells in zip(pf.timeline, lines, strict=True):
            table.add_row(Text(aligned(cells, widths)), key=f"{e.kind}:{e.row_id}")
        if not pf.timeline:
            table.add_row(Text(_("No history yet.")))

    def _fill_follow(self, pf: PersonFile) -> None:
        box = self.query_one("#person-follow", Static)
        box.display = bool(pf.follow_ups)
        if not pf.follow_ups:
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold yellow", no_wrap=True)
        for f in pf.follow_ups:
            due = _("due {date}").format(date=fmt_date(f.due)) if f.due else ""
            overdue = f.due is not None and f.due < self.fk.today()
            grid.add_row(
                _("Follow-up"),
                f.what,
                Text(due, style="bold red" if overdue else ""),
                fmt_date(f.visited_on),
            )
        self.query_one("#person-follow", Static).update(grid)

    def action_details(self) -> None:
        """Swap the history for every field of the file, and back."""
        box = self.query_one("#person-details-box")
        box.toggle_class("-hidden")
        self.query_one("#timeline").display = box.has_class("-hidden")
        if not box.has_class("-hidden") and self.file is not None:
            self._fill_details(self.file)  # built when asked for: opening a file stays quick

    def action_visit(self) -> None:
        """Record a visit for this person."""
        self.fk.open_visit_form(self.person_id)

    def action_consult(self) -> None:
        """Record a consultation for this person."""
        self.fk.open_consultation(self.person_id)

    def action_edit(self) -> None:
        """Edit the file."""
        if self.file is not None:
            self.fk.open_person_edit(self.person_id)

    def action_status(self) -> None:
        """Record a status change."""
        if self.file is not None:
            self.fk.open_status_event(self.person_id)
