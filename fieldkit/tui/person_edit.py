"""Editing a person's file, and recording a dated status change (never a silent overwrite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, Static

from fieldkit.domain.models import Person
from fieldkit.domain.vocab import Category, EventKind, Sex, Tier
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft, StatusEventInput
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.display import fmt_date, vocab_select
from fieldkit.tui.forms import FieldError, FormScreen, field, parse_day, parse_optional_day

__all__ = ["PersonEditForm", "StatusEventForm"]


@dataclass
class _Loaded(Message):
    person: Person | None


class PersonEditForm(FormScreen):
    """Edit the file's fields; phone and status change through :class:`StatusEventForm`.

    The service checks an ID number (GB 11643, the birth date, no other person
    holding it); a refusal shows at its field and clears once that field changes.
    """

    TITLE_MSGID = N_("Edit the file")
    DRAFT_KIND = "person-edit"
    LOADS_VALUES = True

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    @classmethod
    def from_draft(cls, draft: Draft) -> PersonEditForm:
        """The editor of the draft's person (the draft's values go over the file's)."""
        return cls(draft.subject)

    def draft_subject(self) -> str:
        """The person."""
        return self.person_id

    def compose_fields(self) -> ComposeResult:
        """The editable fields, empty until the person is loaded."""
        yield Static(_("Phone and status change through a status change (S)."), id="form-heading")
        yield from field(_("Name"), Input(id="name", compact=True), "name")
        yield from field(
            _("Sex"),
            vocab_select(Sex, "sex", allow_blank=False),
            "sex",
        )
        yield from field(
            _("Birth date"),
            Input(placeholder="1940-01-01", id="birth_date", compact=True),
            "birth_date",
        )
        yield from field(_("ID number"), Input(id="id_number", compact=True), "id_number")
        yield from field(
            _("Category"),
            vocab_select(Category, "category", allow_blank=False),
            "category",
        )
        yield from field(_("Former unit"), Input(id="former_unit", compact=True), "former_unit")
        yield from field(_("Address"), Input(id="address", compact=True), "address")
        yield from field(_("Family"), Input(id="family", compact=True), "family")
        yield from field(_("Health"), Input(id="health", compact=True), "health")
        yield Checkbox(_("Lives alone"), id="lives_alone", compact=True)
        yield Checkbox(_("Hardship"), id="hardship", compact=True)
        yield Checkbox(_("Party member"), id="party_member", compact=True)
        yield from field(
            _("Year joined the party"), Input(id="party_year", compact=True), "party_year"
        )
        yield from field(_("Skills"), Input(id="skills", compact=True), "skills")
        yield from field(
            _("Tier"),
            vocab_select(Tier, "tier", allow_blank=False),
            "tier",
        )
        yield from field(_("Care plan"), Input(id="plan_notes", compact=True), "plan_notes")
        yield from field(
            _("Plan review"), Input(id="plan_review_date", compact=True), "plan_review_date"
        )
        yield from field(_("Notes"), Input(id="notes", compact=True), "notes")

    def on_mount(self) -> None:
        """Load the person."""
        super().on_mount()
        self._load()

    @work(thread=True, exit_on_error=False, group="edit-load")
    def _load(self) -> None:
        pf = self.fk.services.files.get(self.person_id)
        self.post_message(_Loaded(pf.person if pf else None))

    @on(_Loaded)
    def _loaded(self, message: _Loaded) -> None:
        p = message.person
        if p is None:
            self.dismiss()
            return
        self.person = p
        for name in (
            "name",
            "former_unit",
            "address",
            "family",
            "health",
            "skills",
            "plan_notes",
            "notes",
            "id_number",
        ):
            self.query_one(f"#{name}", Input).value = getattr(p, name)
        self.query_one("#birth_date", Input).value = fmt_date(p.birth_date)
        self.query_one("#plan_review_date", Input).value = fmt_date(p.plan_review_date)
        self.query_one("#party_year", Input).value = str(p.party_year or "")
        for name in ("sex", "category", "tier"):
            self.query_one(f"#{name}", Select).value = str(getattr(p, name))
        for name in ("lives_alone", "hardship", "party_member"):
            self.query_one(f"#{name}", Checkbox).value = bool(getattr(p, name))
        self.call_after_refresh(self.loaded)

    def parse(self) -> dict[str, Any]:
        """The changed fields, validated."""
        p = self.person

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        if not text("name"):
            raise FieldError("name", _("The name cannot be empty"))
        birth = parse_optional_day("birth_date", text("birth_date"))
        if birth is not None and birth > self.fk.today():
            raise FieldError("birth_date", _("The birth date cannot be in the future"))
        year_text = text("party_year")
        year: int | None = None
        if year_text:
            if not year_text.isdigit() or not 1921 <= int(year_text) <= self.fk.today().year:
                raise FieldError("party_year", _("Give a year between 1921 and this year"))
            year = int(year_text)
        new: dict[str, Any] = {
            "name": text("name"),
            "sex": Sex(str(self.query_one("#sex", Select).value)),
            "birth_date": birth,
            "id_number": text("id_number"),
            "category": Category(str(self.query_one("#category", Select).value)),
            "former_unit": text("former_unit"),
            "address": text("address"),
            "family": text("family"),
            "health": text("health"),
            "lives_alone": self.query_one("#lives_alone", Checkbox).value,
            "hardship": self.query_one("#hardship", Checkbox).value,
            "party_member": self.query_one("#party_member", Checkbox).value,
            "party_year": year,
            "skills": text("skills"),
            "tier": Tier(str(self.query_one("#tier", Select).value)),
            "plan_notes": text("plan_notes"),
            "plan_review_date": parse_optional_day("plan_review_date", text("plan_review_date")),
            "notes": text("notes"),
        }
        return {k: v for k, v in new.items() if getattr(p, k) != v}

    def submit(self) -> None:
        """Save the changed fields."""
        changes = self.parse()
        if not changes:
            self._initial = {}
            self.dismiss()
            return
        self.save_in_worker(
            lambda: self.fk.services.record.edit_person(self.person_id, changes), _("File saved")
        )


class StatusEventForm(FormScreen):
    """Record hospitalised / discharged / moved / phone changed / deceased / misfortune."""

    TITLE_MSGID = N_("Record a status change")
    DRAFT_KIND = "status-event"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    @classmethod
    def from_draft(cls, draft: Draft) -> StatusEventForm:
        """The status change form of the draft's person."""
        return cls(draft.subject)

    def draft_subject(self) -> str:
        """The person."""
        return self.person_id

    def compose_fields(self) -> ComposeResult:
        """Kind, date, new value, note."""
        yield from field(
            _("What happened"),
            vocab_select(EventKind, "kind"),
            "kind",
        )
        yield from field(
            _("Date"),
            Input(self.fk.today().isoformat(), id="happened_on", compact=True),
            "happened_on",
        )
        yield from field(
            _("New phone number / new address"), Input(id="new_value", compact=True), "new_value"
        )
        yield from field(_("Note"), Input(id="note", compact=True), "note")

    def on_mount(self) -> None:
        """Focus the kind."""
        super().on_mount()
        self.query_one("#kind", Select).focus()

    def submit(self) -> None:
        """Validate and save in a worker."""
        kind_value = self.query_one("#kind", Select).value
        if kind_value is Select.NULL:
            raise FieldError("kind", _("Choose what happened"))
        kind = EventKind(str(kind_value))
        day: date = parse_day("happened_on", self.query_one("#happened_on", Input).value)
        if day > self.fk.today():
            raise FieldError("happened_on", _("The date cannot be in the future"))
        new_value = self.query_one("#new_value", Input).value.strip()
        if kind is EventKind.PHONE_CHANGED and not new_value:
            raise FieldError("new_value", _("Give the new phone number"))
        data = StatusEventInput(
            self.person_id, kind, day, self.query_one("#note", Input).value, new_value
        )
        if kind is not EventKind.DECEASED:
            self._save_event(data)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self._save_event(data)
            else:
                self.query_one("#kind", Select).focus()

        self.app.push_screen(
            ConfirmDialog(
                _("Record that this person died on {day}? Their care plan ends.").format(
                    day=day.isoformat()
                ),
                yes=_("Record the death"),
                no=_("Keep editing"),
            ),
            answer,
        )

    def _save_event(self, data: StatusEventInput) -> None:
        self.save_in_worker(
            lambda: self.fk.services.record.status_event(data), _("Status change recorded")
        )
