"""Record a volunteer service activity: team, kind, site, date, duration, attendees, reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select, SelectionList

from fieldkit.domain.vocab import ActivityKind
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import ActivityInput, Draft
from fieldkit.tui.display import vocab_select
from fieldkit.tui.forms import FieldError, FormScreen, field, parse_count, parse_day

if TYPE_CHECKING:
    from fieldkit.services.cards import CheckIn

__all__ = ["ActivityForm"]


class ActivityForm(FormScreen):
    """The service activity form; attendees are picked from the chosen team's members."""

    TITLE_MSGID = N_("Record a service activity")

    @dataclass
    class Loaded(Message):
        """Teams and sites arrived."""

        teams: list[tuple[str, str, str]]
        sites: list[tuple[str, str]]

    @dataclass
    class MembersLoaded(Message):
        """The chosen team's members arrived."""

        team_id: str
        members: list[tuple[str, str]]

    @dataclass
    class CardMember(Message):
        """A scanned attendee's membership of the chosen team (``member_id`` None: none)."""

        check: CheckIn
        team_id: str
        member_id: str | None

    DRAFT_KIND = "activity"
    LOADS_VALUES = True

    def __init__(self) -> None:
        super().__init__()
        self.team_sites: dict[str, str] = {}
        self.scanned: dict[str, str] = {}
        """Attendees checked in by card: person id -> name."""

    @classmethod
    def from_draft(cls, draft: Draft) -> ActivityForm:
        """A new activity form (the draft's values go in once teams are loaded)."""
        return cls()

    def compose_fields(self) -> ComposeResult:
        """The activity's rows."""
        yield from field(
            _("Team"), Select[str]([], prompt=_("Choose…"), id="team", compact=True), "team"
        )
        yield from field(
            _("Kind"),
            vocab_select(ActivityKind, "kind", value=ActivityKind.TALK.value, allow_blank=False),
            "kind",
        )
        yield from field(_("Title"), Input(id="title", compact=True), "title")
        yield from field(
            _("Site"), Select[str]([], prompt=_("Choose…"), id="site", compact=True), "site"
        )
        yield from field(
            _("Date"), Input(self.fk.today().isoformat(), id="held_on", compact=True), "held_on"
        )
        yield from field(
            _("Duration (minutes)"), Input("60", id="duration", compact=True), "duration"
        )
        yield from field(
            _("Attendees"), SelectionList[str](id="attendees", compact=True), "attendees"
        )
        yield from field(
            _("People reached (person-times)"),
            Input("0", id="people_reached", compact=True),
            "people_reached",
        )
        yield from field(_("Notes"), Input(id="notes", compact=True), "notes")

    def on_mount(self) -> None:
        """Load teams and sites."""
        super().on_mount()
        self.query_one("#team", Select).focus()
        self._load()

    @work(thread=True, exit_on_error=False, group="activity-load")
    def _load(self) -> None:
        self.post_message(
            self.Loaded(self.fk.services.roster.teams(), self.fk.services.roster.sites())
        )

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.team_sites = {tid: sid for tid, _name, sid in message.teams}
        self.query_one("#team", Select).set_options([(n, t) for t, n, _s in message.teams])
        self.query_one("#site", Select).set_options([(n, s) for s, n in message.sites])
        self.call_after_refresh(self.loaded)

    @on(Select.Changed, "#team")
    def _team_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            return
        team_id = str(event.value)
        site = self.query_one("#site", Select)
        if site.value is Select.NULL and team_id in self.team_sites:
            site.value = self.team_sites[team_id]
        self._load_members(team_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="activity-members")
    def _load_members(self, team_id: str) -> None:
        self.post_message(
            self.MembersLoaded(team_id, self.fk.services.roster.team_members(team_id))
        )

    @on(MembersLoaded)
    def _members_loaded(self, message: MembersLoaded) -> None:
        box = self.query_one("#attendees", SelectionList)
        box.clear_options()
        box.add_options([(name, mid) for mid, name in message.members])
        self.call_after_refresh(self._apply_draft)  # a draft's attendees, now they are listed

    def submit(self) -> None:
        """Validate and save."""

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        team = self.query_one("#team", Select).value
        if team is Select.NULL:
            raise FieldError("team", _("Choose the team"))
        site = self.query_one("#site", Select).value
        if site is Select.NULL:
            raise FieldError("site", _("Choose the site"))
        day = parse_day("held_on", text("held_on"))
        if day > self.fk.today():
            raise FieldError("held_on", _("The date cannot be in the future"))
        duration = parse_count("duration", text("duration"), empty=0)
        reached = parse_count("people_reached", text("people_reached"))
        attendees = tuple(str(v) for v in self.query_one("#attendees", SelectionList).selected)
        data = ActivityInput(
            team_id=str(team),
            site_id=str(site),
            kind=ActivityKind(str(self.query_one("#kind", Select).value)),
            held_on=day,
            title=text("title"),
            duration_minutes=duration,
            attendee_ids=attendees,
            people_reached=reached,
            notes=text("notes"),
        )
        self.save_in_worker(lambda: self.fk.services.record.activity(data), _("Activity saved"))

    # -- attendees scanned by card -----------------------------------------------

    def take_card(self, check: CheckIn) -> None:
        """A card scanned during the activity: add its holder to the attendees, once."""
        if check.person_id in self.scanned:
            self.app.notify(
                _("{name} is already on the attendee list").format(name=check.name),
                severity="warning",
            )
            return
        team = self.query_one("#team", Select).value
        if team is Select.NULL:
            self.app.notify(_("Choose the team first, then scan the cards"), severity="warning")
            return
        self._find_member(check, str(team))

    @work(thread=True, exit_on_error=False, group="activity-card")
    def _find_member(self, check: CheckIn, team_id: str) -> None:
        member = self.fk.services.cards.team_member(team_id, check.person_id)
        self.post_message(self.CardMember(check, team_id, member))

    @on(CardMember)
    def _card_member(self, message: CardMember) -> None:
        check = message.check
        if check.person_id in self.scanned:
            return  # scanned twice before the first answer came back
        if message.member_id is None:
            self.app.notify(
                _("{name} is not a member of this team: not added").format(name=check.name),
                severity="warning",
            )
            return
        self.scanned[check.person_id] = check.name
        self.query_one("#attendees", SelectionList).select(message.member_id)
        reached = self.query_one("#people_reached", Input)
        count = int(reached.value) if reached.value.strip().isdigit() else 0
        reached.value = str(count + 1)
        self.app.notify(_("{name} checked in by card").format(name=check.name))
