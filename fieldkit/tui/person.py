"""A person's file (一人一档): every field, the care plan, the timeline, follow-ups owed,
and conflicts headquarters recorded on it.

A conflict (two laptops changed one field at the same time) is shown with the
value HQ kept and the one it set aside; an administrator settles it with K,
which saves the value picked as a normal change of the field (it reaches HQ and
every laptop at the next sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
from fieldkit.services import ConflictSide, OpenConflict, PersonFile
from fieldkit.tui.columns import GAP, AlignedTable, aligned, column_widths, line_width
from fieldkit.tui.conflict_dialog import ConflictDialog
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
_FIELD_MSG = {
    "name": N_("Name"),
    "code": N_("Code"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "category": N_("Category"),
    "former_unit": N_("Former unit"),
    "site_id": N_("Site"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "family": N_("Family"),
    "health": N_("Health"),
    "lives_alone": N_("Lives alone"),
    "hardship": N_("Hardship"),
    "party_member": N_("Party member"),
    "party_year": N_("Year joined the party"),
    "skills": N_("Skills"),
    "status": N_("Status"),
    "tier": N_("Tier"),
    "contact_id": N_("Contact"),
    "plan_notes": N_("Care plan"),
    "plan_review_date": N_("Plan review"),
    "notes": N_("Notes"),
}
"""Labels of the person's fields, for conflicts."""

_FIELD_ENUM = {"sex": Sex, "category": Category, "status": Status, "tier": Tier}

_KIND_MSG = {
    "visit": N_("Visit"),
    "consultation": N_("Consultation"),
    "activity": N_("Activity"),
    "event": N_("Event"),
}


@dataclass
class CardLine(Message):
    """The person's card: its issue number and when it was last scanned."""

    person_id: str
    issue: int
    last_scan: datetime | None


@dataclass
class CardPrinted(Message):
    """The person's card was printed to ``path`` ("" and ``error`` when it was not)."""

    path: str
    error: str = ""


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
        Binding("k", "settle", N_("Settle conflict")),
        Binding("p", "print_card", N_("Print card")),
    ]

    @dataclass
    class Loaded(Message):
        """The file and its open conflicts arrived from the worker."""

        person_id: str
        file: PersonFile | None
        conflicts: list[OpenConflict]
        can_settle: bool

    @dataclass
    class Settled(Message):
        """A conflict's value was saved."""

        field: str

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.file: PersonFile | None = None
        self.conflicts: list[OpenConflict] = []
        self.can_settle = False

    def compose_body(self) -> ComposeResult:
        """Summary, conflicts, follow-ups owed, then the history (D swaps it for every field)."""
        yield Static(_("Loading…"), id="person-summary")
        yield Static("", id="person-card")
        yield Static("", id="person-conflicts")
        yield Static("", id="person-follow")
        yield AlignedTable(id="timeline", cursor_type="row", zebra_stripes=True)
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
        self.conflicts = []
        self.refresh_bindings()
        self.query_one("#person-summary", Static).update(_("Loading…"))
        self.query_one("#person-conflicts", Static).display = False
        self.query_one("#person-follow", Static).display = False
        self.query_one("#timeline", DataTable).clear()
        self.query_one("#person-details-box").add_class("-hidden")
        self.query_one("#timeline").display = True
        self.reload()

    def reload(self) -> None:
        """Load the file in a worker (then its card line, from the same file)."""
        self._load(self.person_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="person-file")
    def _load(self, person_id: str) -> None:
        services = self.fk.services
        pf = services.files.get(person_id)
        self.post_message(
            self.Loaded(
                person_id, pf, services.conflicts.open_on(person_id), services.conflicts.can_pick()
            )
        )
        if pf is not None:  # after the file is on its way: the card line is not waited for
            last = services.cards.last_scan(person_id)
            self.post_message(CardLine(person_id, pf.person.card_issue, last))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.person_id != self.person_id:
            return  # the screen shows someone else by now
        pf = message.file
        self.file = pf
        self.conflicts = message.conflicts
        self.can_settle = message.can_settle
        self._fill_conflicts()
        self.refresh_bindings()
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

    def _fill_conflicts(self) -> None:
        box = self.query_one("#person-conflicts", Static)
        box.display = bool(self.conflicts)
        if not self.conflicts:
            return
        lines = Text()
        for n, c in enumerate(self.conflicts):
            if n:
                lines.append("\n")
            lines.append(
                _("Conflict on {field}: kept {kept} · set aside {other}").format(
                    field=_field_label(c.field),
                    kept=_shown(c.field, c.winner),
                    other=_shown(c.field, c.loser),
                ),
                style="bold",
            )
        lines.append("\n")
        lines.append(
            _("Press K to pick the right value.")
            if self.can_settle
            else _("An administrator settles conflicts.")
        )
        box.update(lines)

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
                _("[voided] {summary}").format(summary=e.summary) if e.voided else e.summary,
            )
            for e in pf.timeline
        ]
        widths = column_widths(self.headers, lines, _CAPS)
        room = table.size.width - 2 - sum(widths[:-1]) - len(GAP) * (len(widths) - 1)
        widths[-1] = min(widths[-1], max(room, 8))
        table.clear(columns=True)
        table.add_column(Text(aligned(self.headers, widths)), width=line_width(widths), key="row")
        for e, cells in zip(pf.timeline, lines, strict=True):
            style = "strike dim" if e.voided else ""
            table.add_row(Text(aligned(cells, widths), style=style), key=f"{e.kind}:{e.row_id}")
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

    @on(DataTable.RowSelected, "#timeline")
    def _open_record(self, event: DataTable.RowSelected) -> None:
        """Enter on a history row opens the record, read-only."""
        key = event.row_key.value
        if key and ":" in key:
            from fieldkit.tui.record_view import RecordScreen

            kind, row_id = key.split(":", 1)
            self.app.push_screen(RecordScreen(kind, row_id))

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """K is offered only on a file with open conflicts."""
        if action == "settle":
            return bool(self.conflicts)
        return True

    def action_settle(self) -> None:
        """Settle the oldest open conflict of this file: pick the right value."""
        if not self.conflicts:
            self.notify(_("This file has no open conflict."))
            return
        if not self.can_settle:
            self.notify(_("Only an administrator can settle a conflict"), severity="warning")
            return
        conflict = self.conflicts[0]

        def answer(side: ConflictSide | None) -> None:
            if side is not None:
                self._settle(conflict.id, conflict.field, side)

        self.app.push_screen(
            ConflictDialog(
                _field_label(conflict.field),
                _shown(conflict.field, conflict.winner),
                _shown(conflict.field, conflict.loser),
            ),
            answer,
        )

    @work(thread=True, exit_on_error=False, group="person-settle")
    def _settle(self, conflict_id: int, field: str, side: ConflictSide) -> None:
        self.fk.services.conflicts.pick(conflict_id, side)
        self.post_message(self.Settled(field))

    @on(Settled)
    def _settled(self, message: Settled) -> None:
        self.notify(
            _("{field} saved; it reaches headquarters at the next sync.").format(
                field=_field_label(message.field)
            )
        )
        self.fk.changed()

    # -- service card ------------------------------------------------------------

    @on(CardLine)
    def _card_line(self, message: CardLine) -> None:
        if message.person_id != self.person_id:
            return
        last = message.last_scan.strftime("%Y-%m-%d %H:%M") if message.last_scan else _("never")
        self.query_one("#person-card", Static).update(
            _("Service card no. {issue} · last scanned: {last}").format(
                issue=message.issue, last=last
            )
        )

    def action_print_card(self) -> None:
        """Print this person's service card (a PDF beside the store)."""
        if self.file is not None:
            self._print_card(self.file.person.code)

    @work(thread=True, exit_on_error=False, group="person-print")
    def _print_card(self, code: str) -> None:
        from fieldkit.services.cards import CardError

        try:
            result = self.fk.services.cards.print_person(code)
        except CardError as err:
            self.post_message(CardPrinted("", str(err)))
            return
        self.post_message(CardPrinted(str(result.files[0])))

    @on(CardPrinted)
    def _card_printed(self, message: CardPrinted) -> None:
        if message.error:
            self.notify(message.error, title=_("Card not printed"), severity="error", timeout=12)
        else:
            self.notify(_("Card printed: {path}").format(path=message.path))


def _field_label(name: str) -> str:
    """A field's label in the interface language (its name when unknown)."""
    return _(_FIELD_MSG[name]) if name in _FIELD_MSG else name


def _shown(name: str, value: object) -> str:
    """A conflict's value as the file shows it: labels for slugs, yes/no, dates as typed."""
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return yes_no(value)
    enum = _FIELD_ENUM.get(name)
    if enum is not None:
        return label_of(enum, str(value))
    return str(value)
