"""Adding a person to the roster: a new retiree, a resident newly found at a relocation site.

Name, site, category and sex are required; birth date, ID number, phone and
address are optional but checked (the service refuses a wrong ID number or phone,
or an ID number another person holds, and the form shows why at the field). The
person gets the next code of the roster's scheme; once saved, their file opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select, Static

from fieldkit.domain.vocab import Category, Sex
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft, NewPerson
from fieldkit.tui.display import vocab_select
from fieldkit.tui.forms import FieldError, FormScreen, field, parse_optional_day

__all__ = ["AddPersonForm"]


class AddPersonForm(FormScreen):
    """The new person's file: who, where, and how to reach them."""

    TITLE_MSGID = N_("Add a person")
    DRAFT_KIND = "person-add"
    LOADS_VALUES = True

    @dataclass
    class Loaded(Message):
        """The sites arrived, and whether this laptop's user may add a person."""

        sites: list[tuple[str, str]]
        may_add: bool

    def __init__(self) -> None:
        super().__init__()
        self.added: tuple[str, str, str] | None = None
        """The saved person's id, name and code (set by the save, read once it is done)."""

    @classmethod
    def from_draft(cls, draft: Draft) -> AddPersonForm:
        """A new form (the draft's values go in once the sites are loaded)."""
        return cls()

    def compose_fields(self) -> ComposeResult:
        """Required rows first, then the optional ones."""
        yield Static(_("A new person on the roster; a code is given on saving."), id="form-heading")
        yield from field(_("Name"), Input(id="name", compact=True), "name")
        yield from field(
            _("Site"), Select[str]([], prompt=_("Choose…"), id="site", compact=True), "site"
        )
        yield from field(
            _("Category"),
            vocab_select(Category, "category"),
            "category",
        )
        yield from field(
            _("Sex"),
            vocab_select(Sex, "sex"),
            "sex",
        )
        yield from field(
            _("Birth date"),
            Input(placeholder="1950-01-01", id="birth_date", compact=True),
            "birth_date",
        )
        yield from field(_("ID number"), Input(id="id_number", compact=True), "id_number")
        yield from field(_("Phone"), Input(id="phone", compact=True), "phone")
        yield from field(_("Address"), Input(id="address", compact=True), "address")

    def on_mount(self) -> None:
        """Focus the name; load the sites."""
        super().on_mount()
        self.query_one("#name", Input).focus()
        self._load()

    @work(thread=True, exit_on_error=False, group="person-add-load")
    def _load(self) -> None:
        services = self.fk.services
        self.post_message(self.Loaded(services.roster.sites(), services.people.may_add()))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if not message.may_add:
            self.app.notify(
                _("Only staff and administrators can add a person to the roster"),
                severity="warning",
            )
            self.dismiss()
            return
        site = self.query_one("#site", Select)
        site.set_options([(name, sid) for sid, name in message.sites])
        default = self.fk.default_site_id
        if default and any(sid == default for sid, _name in message.sites):
            site.value = default
        self.call_after_refresh(self.loaded)

    def submit(self) -> None:
        """Check the required fields here; the service checks the rest."""

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        def chosen(wid: str, missing: str) -> str:
            value = self.query_one(f"#{wid}", Select).value
            if value is Select.NULL:
                raise FieldError(wid, missing)
            return str(value)

        if not text("name"):
            raise FieldError("name", _("The name cannot be empty"))
        site = chosen("site", _("Choose the site"))
        category = Category(chosen("category", _("Choose the category")))
        sex = Sex(chosen("sex", _("Choose the sex")))
        birth = parse_optional_day("birth_date", text("birth_date"))
        if birth is not None and birth > self.fk.today():
            raise FieldError("birth_date", _("The birth date cannot be in the future"))
        data = NewPerson(
            name=text("name"),
            site_id=site,
            category=category,
            sex=sex,
            birth_date=birth,
            id_number=text("id_number"),
            phone=text("phone"),
            address=text("address"),
        )

        def save() -> None:
            person = self.fk.services.people.add(data)
            self.added = (person.id, person.name, person.code)

        self.save_in_worker(save, _("Person added"))

    def saved(self, message: str) -> None:
        """The person is on the roster: say under which code, and open their file."""
        if self.added is None:
            super().saved(message)
            return
        person_id, name, code = self.added
        super().saved(_("{name} added to the roster as {code}").format(name=name, code=code))
        self.fk.open_person(person_id)
