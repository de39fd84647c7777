"""Record a visit: reason, who went, who was there, needs (checklist + text), services,
money (yuan -> fen, confirmation above the configured limit), goods, follow-up.

Saving runs :meth:`fieldkit.services.recording.Recorder.visit` in a thread worker; the
visit and its outbox entry are committed when the worker reports back, and only
then does the form close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, SelectionList, Static

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.money import format_yuan
from fieldkit.domain.vocab import Confirmation, VisitReason
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft, VisitInput
from fieldkit.services.recording import OpenFollowUp
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.display import vocab_select
from fieldkit.tui.forms import (
    FieldError,
    FormScreen,
    at,
    field,
    parse_day,
    parse_money,
    parse_optional_day,
    parse_time_of_day,
)

__all__ = ["NEEDS", "VisitForm"]

NEEDS: tuple[tuple[str, str], ...] = (
    # (stored term, English msgid)
    ("医疗", N_("Medical care")),
    ("生活照料", N_("Daily care")),
    ("经济困难", N_("Money troubles")),
    ("心理慰藉", N_("Loneliness, comfort")),
    ("住房", N_("Housing")),
    ("政策咨询", N_("Policy questions")),
    ("法律", N_("Legal help")),
)
"""The needs checklist (问需). The Chinese term is what is stored."""

_CONFIRMATION = "_confirmation"
"""The draft key of how the visit was confirmed (not an input)."""
_CARD_SCANNED_AT = "_card_scanned_at"
_CARD_ISSUE = "_card_issue"
"""The draft keys of the card scanned for a check-in visit (not inputs)."""


def _card_for_draft(scanned_at: datetime | None, issue: int | None) -> dict[str, object]:
    """The scanned card's time and issue as draft values (nothing when no card was scanned)."""
    if scanned_at is None or issue is None:
        return {}
    return {_CARD_SCANNED_AT: scanned_at.isoformat(), _CARD_ISSUE: issue}


def _card_from_draft(values: dict[str, object]) -> tuple[datetime | None, int | None]:
    """The scanned card's time and issue kept in a draft (None, None when absent or damaged)."""
    raw_at, raw_issue = values.get(_CARD_SCANNED_AT), values.get(_CARD_ISSUE)
    if not isinstance(raw_at, str) or not isinstance(raw_issue, int):
        return None, None
    try:
        return datetime.fromisoformat(raw_at), raw_issue
    except ValueError:
        return None, None


_REASON_FOR_TASK: dict[TaskKind, VisitReason] = {
    TaskKind.CONDOLENCE: VisitReason.CONDOLENCE,
    TaskKind.HOSPITAL: VisitReason.HOSPITAL,
    TaskKind.MISFORTUNE: VisitReason.MISFORTUNE,
    TaskKind.BIRTHDAY: VisitReason.BIRTHDAY,
    TaskKind.FESTIVAL: VisitReason.FESTIVAL,
}
"""The reason a visit started from a due task takes (the others are routine visits)."""


def reason_for_task(kind: TaskKind | None) -> VisitReason:
    """The visit reason that settles a task of ``kind`` (routine for any other task)."""
    return _REASON_FOR_TASK.get(kind, VisitReason.ROUTINE) if kind else VisitReason.ROUTINE


class VisitForm(FormScreen):
    """The visit form for one person; ``confirmation`` says how the visit was confirmed."""

    TITLE_MSGID = N_("Record a visit")

    @dataclass
    class PersonLoaded(Message):
        """The person's name and site arrived."""

        text: str

    @dataclass
    class FollowUpLoaded(Message):
        """The follow-up still owed to the person, if any."""

        owed: OpenFollowUp | None

    DRAFT_KIND = "visit"

    def __init__(
        self,
        person_id: str,
        *,
        confirmation: Confirmation = Confirmation.NONE,
        scanned_at: datetime | None = None,
        card_issue: int | None = None,
        task: TaskKind | None = None,
    ) -> None:
        super().__init__()
        self.person_id = person_id
        self.confirmation = confirmation
        self.card_scanned_at = scanned_at
        """When the person's card was scanned for this visit (None: not a card check-in)."""
        self.card_issue = card_issue
        self.due_task = task
        self._owed: OpenFollowUp | None = None

    @classmethod
    def from_draft(cls, draft: Draft) -> VisitForm:
        """The visit form of the draft's person, confirmed as the draft was (QR or not)."""
        raw = str(draft.values.get(_CONFIRMATION, Confirmation.NONE.value))
        known = {c.value for c in Confirmation}
        confirmation = Confirmation(raw) if raw in known else Confirmation.NONE
        scanned_at, issue = _card_from_draft(draft.values)
        return cls(
            draft.subject, confirmation=confirmation, scanned_at=scanned_at, card_issue=issue
        )

    def draft_subject(self) -> str:
        """The person visited."""
        return self.person_id

    def draft_values(self) -> dict[str, object]:
        """The inputs and how the visit was confirmed."""
        return {
            **super().draft_values(),
            _CONFIRMATION: self.confirmation.value,
            **_card_for_draft(self.card_scanned_at, self.card_issue),
        }

    def compose_fields(self) -> ComposeResult:
        """The visit's rows."""
        now = self.fk.now()
        yield Static("", id="visit-person")
        yield from field(
            _("Reason"),
            vocab_select(
                VisitReason, "reason", value=reason_for_task(self.due_task).value, allow_blank=False
            ),
            "reason",
        )
        yield from field(_("Date"), Input(now.date().isoformat(), id="day", compact=True), "day")
        yield from field(_("Time"), Input(now.strftime("%H:%M"), id="time", compact=True), "time")
        yield from field(
            _("Visitors (comma separated)"),
            Input(self.fk.user_name, id="visitors", compact=True),
            "visitors",
        )
        yield from field(
            _("People present"), Input(id="people_present", compact=True), "people_present"
        )
        yield from field(
            _("Needs found"),
            SelectionList[str](*[(_(msg), term) for term, msg in NEEDS], id="needs", compact=True),
            "needs",
        )
        yield from field(_("Other needs"), Input(id="needs_text", compact=True), "needs_text")
        yield from field(_("Services done"), Input(id="services", compact=True), "services")
        yield from field(
            _("Money handed over (yuan)"),
            Input(placeholder="0.00", id="money", compact=True),
            "money",
        )
        yield from field(_("Goods"), Input(id="goods", compact=True), "goods")
        yield from field(_("Follow-up owed"), Input(id="follow_up", compact=True), "follow_up")
        yield from field(
            _("Follow-up due (date)"),
            Input(placeholder="2026-12-01", id="follow_up_due", compact=True),
            "follow_up_due",
        )
        yield from field(_("Notes"), Input(id="notes", compact=True), "notes")
        yield from field(
            _("Owed follow-up"),
            Checkbox("", id="follow_up_done", compact=True, disabled=True),
            "follow_up_done",
        )

    def on_mount(self) -> None:
        """Load the person's name for the heading; focus the first field."""
        super().on_mount()
        self._load_person()
        self._load_follow_up()
        self.query_one("#reason", Select).focus()

    @work(thread=True, exit_on_error=False, group="visit-follow-up")
    def _load_follow_up(self) -> None:
        self.post_message(
            self.FollowUpLoaded(self.fk.services.record.open_follow_up(self.person_id))
        )

    @on(FollowUpLoaded)
    def _follow_up_loaded(self, message: FollowUpLoaded) -> None:
        box = self.query_one("#follow_up_done", Checkbox)
        owed = self._owed = message.owed
        if owed is None:
            box.label = _("none owed")
            return
        due = owed.due.isoformat() if owed.due else _("no date")
        box.label = _("Done: {text} (due {due})").format(text=owed.text or "-", due=due)
        box.disabled = False
        if self.due_task is TaskKind.FOLLOW_UP:
            with box.prevent(Checkbox.Changed):
                box.value = True
        if self._initial:
            self._initial["follow_up_done"] = box.value
        self._apply_draft()

    @work(thread=True, exit_on_error=False, group="visit-person")
    def _load_person(self) -> None:
        pf = self.fk.services.files.get(self.person_id)
        if pf is not None:
            text = f"{pf.person.name}  {pf.person.code}  {pf.site.name}  {pf.person.address}"
            self.post_message(self.PersonLoaded(text))

    @on(PersonLoaded)
    def _person_loaded(self, message: PersonLoaded) -> None:
        heading = message.text
        if self.confirmation is Confirmation.QR:
            heading += "  [" + _("checked in by QR card") + "]"
        self.query_one("#visit-person", Static).update(heading)

    def parse(self) -> VisitInput:
        """The typed values as a :class:`VisitInput` (raises :class:`FieldError`)."""

        def text(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value

        if not text("visitors").strip():
            raise FieldError("visitors", _("Say who went on the visit"))
        if not text("services").strip():
            raise FieldError("services", _("Say what was done on the visit"))
        day = parse_day("day", text("day"))
        moment = parse_time_of_day("time", text("time"))
        if day > self.fk.today():
            raise FieldError("day", _("The visit cannot be in the future"))
        money_fen = parse_money("money", text("money"))
        due = parse_optional_day("follow_up_due", text("follow_up_due"))
        follow = text("follow_up").strip()
        if due is not None and not follow:
            raise FieldError("follow_up", _("Say what must be followed up"))
        if due is not None and due < day:
            raise FieldError("follow_up_due", _("The follow-up cannot be due before the visit"))
        checked = self.query_one("#needs", SelectionList).selected
        needs = "、".join(str(v) for v in checked)
        extra = text("needs_text").strip()
        if extra:
            needs = f"{needs}; {extra}" if needs else extra
        reason = self.query_one("#reason", Select).value
        return VisitInput(
            person_id=self.person_id,
            visited_at=at(day, moment),
            reason=VisitReason(str(reason)),
            visitors=text("visitors"),
            people_present=text("people_present"),
            confirmation=self.confirmation,
            needs=needs,
            services=text("services"),
            money_fen=money_fen,
            goods=text("goods"),
            follow_up=follow,
            follow_up_due=due,
            notes=text("notes"),
            card_scanned_at=self.card_scanned_at,
            card_issue=self.card_issue,
            carry_follow_up=self._owed is not None
            and not self.query_one("#follow_up_done", Checkbox).value,
        )

    def submit(self) -> None:
        """Validate, confirm a large amount, then save in a worker."""
        data = self.parse()
        limit = self.fk.config.money_confirm_fen
        if data.money_fen > limit:

            def answer(ok: bool | None) -> None:
                if ok:
                    self._start_save(data)
                else:
                    self.query_one("#money", Input).focus()

            self.app.push_screen(
                ConfirmDialog(
                    _("{amount} yuan is above the {limit} yuan limit. Save this amount?").format(
                        amount=format_yuan(data.money_fen), limit=format_yuan(limit)
                    )
                ),
                answer,
            )
            return
        self._start_save(data)

    def _start_save(self, data: VisitInput) -> None:
        self.save_in_worker(lambda: self.fk.services.record.visit(data), _("Visit saved"))

    def error_field(self, store_field: str) -> str:
        """A refusal about the person (e.g. deceased) points at the reason."""
        return "reason" if store_field == "person" else store_field
