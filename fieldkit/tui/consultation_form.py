"""Record a consultation (咨询): for a person on the roster, or a walk-in (name optional)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select, Static

from fieldkit.domain.vocab import ConsultTopic
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import ConsultationInput, Draft
from fieldkit.tui.display import vocab_select
from fieldkit.tui.forms import FieldError, FormScreen, field, parse_day

__all__ = ["ConsultationForm"]


class ConsultationForm(FormScreen):
    """The consultation form; ``person_id`` None means a walk-in."""

    TITLE_MSGID = N_("Record a consultation")

    @dataclass
    class Loaded(Message):
        """Sites and the person's heading arrived."""

        sites: list[tuple[str, str]]
        heading: str
        person_site: str | None

    DRAFT_KIND = "consultation"
    LOADS_VALUES = True

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id

    @classmethod
    def from_draft(cls, draft: Draft) -> ConsultationForm:
        """The consultation form of the draft's person (or a walk-in)."""
        return cls(draft.subject or None)

    def draft_subject(self) -> str:
        """The person (walk-ins: none)."""
        return self.person_id or ""

    def compose_fields(self) -> ComposeResult:
        """Topic, who, site, date, question, answer, referral, given by."""
        yield Static(_("Walk-in consultation") if self.person_id is None else "", id="form-heading")
        yield from field(
            _("Topic"),
            vocab_select(ConsultTopic, "topic", value=ConsultTopic.LEGAL.value, allow_blank=False),
            "topic",
        )
        if self.person_id is None:
            yield from field(
                _("Name (optional)"), Input(id="walkin_name", compact=True), "walkin_name"
            )
            yield from field(
                _("Village"), Input(id="walkin_village", compact=True), "walkin_village"
            )
        yield from field(
            _("Site"), Select[str]([], prompt=_("Choose…"), id="site", compact=True), "site"
        )
        yield from field(
            _("Date"), Input(self.fk.today().isoformat(), id="held_on", compact=True), "held_on"
        )
        yield from field(_("Question"), Input(id="question", compact=True), "question")
        yield from field(_("Answer given"), Input(id="outcome", compact=True), "outcome")
        yield from field(_("Referred to"), Input(id="referral", compact=True), "referral")
        yield from field(
            _("Given by"), Input(self.fk.user_name, id="given_by", compact=True), "given_by"
        )

    def on_mount(self) -> None:
        """Load the sites (and the person)."""
        super().on_mount()
        self.query_one("#topic", Select).focus()
        self._load()

    @work(thread=True, exit_on_error=False, group="consult-load")
    def _load(self) -> None:
        sites = self.fk.services.roster.sites()
        heading = ""
        person_site = None
        if self.person_id is not None:
            pf = self.fk.services.files.get(self.person_id)
            if pf is not None:
                heading = f"{pf.person.name}  {pf.person.code}  {pf.site.name}"
                person_site = pf.site.id
        self.post_message(self.Loaded(sites, heading, person_site))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.heading:
            self.query_one("#form-heading", Static).update(message.heading)
        select = self.query_one("#site", Select)
        select.set_options([(name, sid) for sid, name in message.sites])
        chosen = message.person_site or self.fk.default_site_id
        if chosen:
            select.value = chosen
        self.call_after_refresh(self.loaded)

    def submit(self) -> None:
        """Validate and save."""

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        site = self.query_one("#site", Select).value
        walkin_name = walkin_village = ""
        if self.person_id is None:
            walkin_name, walkin_village = text("walkin_name"), text("walkin_village")
            if not walkin_village and not walkin_name:
                raise FieldError("walkin_village", _("Give the village (the name is optional)"))
        if site is Select.NULL:
            raise FieldError("site", _("Choose the site"))
        day = parse_day("held_on", text("held_on"))
        if day > self.fk.today():
            raise FieldError("held_on", _("The date cannot be in the future"))
        if not text("question"):
            raise FieldError("question", _("Write down the question"))
        data = ConsultationInput(
            site_id=str(site),
            held_on=day,
            topic=ConsultTopic(str(self.query_one("#topic", Select).value)),
            person_id=self.person_id,
            walkin_name=walkin_name,
            walkin_village=walkin_village,
            question=text("question"),
            outcome=text("outcome"),
            referral=text("referral"),
            given_by=text("given_by"),
        )
        self.save_in_worker(
            lambda: self.fk.services.record.consultation(data), _("Consultation saved")
        )
