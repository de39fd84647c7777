"""Form plumbing shared by the record forms: parsing typed text, field errors, dirty state,
drafts.

Parsing functions raise :class:`FieldError` naming the field and saying, in the
interface language, what is wrong; the form shows it under the field, keeps what
was typed and moves the focus there. What is typed is kept as a draft (see
:mod:`fieldkit.services.drafts`) a moment after each change, so a crash of the app
loses nothing: the next start offers it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from fieldkit.domain.money import MoneyError, parse_yuan
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.services import Draft, FieldkitError
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.widgets import FieldScreen

__all__ = [
    "FieldError",
    "FormScreen",
    "field",
    "parse_count",
    "parse_day",
    "parse_money",
    "parse_optional_day",
    "parse_time_of_day",
]


class FieldError(ValueError):
    """A typed value that cannot be used; ``field`` is the id of the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_day(field_id: str, raw: str) -> date:
    """A date typed as 2026-11-21 (also 2026/11/21, 20261121, 2026年11月21日)."""
    text = raw.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DAY.match(text)
    if not m:
        raise FieldError(field_id, _("Give a date like 2026-11-21"))
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise FieldError(
            field_id, _("{value} is not a real date").format(value=raw.strip())
        ) from None


def parse_optional_day(field_id: str, raw: str) -> date | None:
    """Like :func:`parse_day`, but an empty box means no date."""
    return parse_day(field_id, raw) if raw.strip() else None


def parse_time_of_day(field_id: str, raw: str) -> time:
    """A time of day typed as 14:30 (empty means 00:00)."""
    text = raw.strip().replace("：", ":")
    if not text:
        return time(0, 0)
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise FieldError(field_id, _("Give a time like 14:30"))
    return time(int(m[1]), int(m[2]))


def parse_money(field_id: str, raw: str) -> int:
    """Yuan with up to two decimals, never negative, as fen."""
    try:
        return parse_yuan(raw)
    except MoneyError:
        text = raw.strip()
        if text.startswith("-"):
            raise FieldError(field_id, _("Money cannot be negative")) from None
        raise FieldError(field_id, _("Give yuan with at most two decimals, e.g. 500.00")) from None


def parse_count(field_id: str, raw: str, *, empty: int = 0) -> int:
    """A whole number >= 0."""
    text = raw.strip()
    if not text:
        return empty
    if not text.isdigit():
        raise FieldError(field_id, _("Give a whole number, 0 or more"))
    return int(text)


def at(day: date, moment: time) -> datetime:
    """Combine a day and a time of day."""
    return datetime.combine(day, moment)


def field(label: str, widget: Widget, field_id: str) -> ComposeResult:
    """A labelled form row with an error line under it."""
    with Vertical(classes="field", id=f"row-{field_id}"):
        yield Label(label, classes="field-label")
        yield widget
        yield Static("", classes="field-error", id=f"err-{field_id}")


class FormScreen(FieldScreen):
    """A record form: Ctrl+S saves, Esc leaves (asking first when something was typed).

    A form's :meth:`submit` parses the inputs and hands a service call to
    :meth:`save_in_worker`, which runs it in a thread worker; the outcome comes
    back as a message, so only the handlers here touch widgets. A refusal
    (:class:`~fieldkit.errors.FieldkitError`) is shown at its field; any other
    failure reaches the app's worker handler, which tells the user, and the form
    keeps its input (:meth:`worker_failed`).

    ``DRAFT_KIND`` names the form in the drafts file; :meth:`draft_subject` is what
    it is about (a person's id). Forms whose values or options arrive from a worker
    set ``LOADS_VALUES`` and call :meth:`loaded` once they are in place.
    """

    DRAFT_KIND: ClassVar[str] = ""
    LOADS_VALUES: ClassVar[bool] = False

    @dataclass
    class SaveDone(Message):
        """The store call committed; ``notice`` is told to the user."""

        notice: str

    @dataclass
    class SaveFailed(Message):
        """The store refused the record: ``field`` is the input to point at."""

        field: str
        message: str

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("escape", "leave", N_("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._initial: dict[str, object] = {}
        self.saving = False
        self._restoring: dict[str, Any] = {}
        self._erred: dict[str, str] = {}
        self._restored = False
        self._draft_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        """A scrolling column of fields (:meth:`compose_fields`) and a status line."""
        with VerticalScroll(id="form"):
            yield from self.compose_fields()
        yield Static("", id="form-status")

    def compose_fields(self) -> ComposeResult:
        """The form's rows."""
        yield from ()

    def on_mount(self) -> None:
        """Remember the starting values to know when input would be lost."""
        super().on_mount()
        if not self.LOADS_VALUES:
            self.call_after_refresh(self.loaded)

    def loaded(self) -> None:
        """The form shows its starting values: remember them, then put back a draft's."""
        self._initial = self.values()
        self._apply_draft()

    def values(self) -> dict[str, object]:
        """Every input's current value, by id."""
        out: dict[str, object] = {}
        for w in self.query(
            "#form Input, #form Select, #form SelectionList, #form TextArea, #form Checkbox"
        ):
            if w.id is None:
                continue
            if isinstance(w, Input | Select | Checkbox):
                out[w.id] = w.value
            elif isinstance(w, SelectionList):
                out[w.id] = tuple(w.selected)
            elif isinstance(w, TextArea):
                out[w.id] = w.text
        return out

    @property
    def dirty(self) -> bool:
        """Whether something was typed that is not saved."""
        return bool(self._initial) and (self._restored or self.values() != self._initial)

    # -- drafts ------------------------------------------------------------------

    @classmethod
    def from_draft(cls, draft: Draft) -> FormScreen:
        """The form a draft was typed into, to be filled with the draft's values."""
        raise NotImplementedError(cls.__name__)

    def draft_subject(self) -> str:
        """What the form is about, for its draft ("" when nothing in particular)."""
        return ""

    def draft_title(self) -> str:
        """A few words that name the draft when it is offered back (the form's heading)."""
        for heading in self.query("#visit-person, #form-heading"):
            if isinstance(heading, Static):
                return str(heading.render()).strip()
        return ""

    def draft_values(self) -> dict[str, Any]:
        """What is kept in the draft: the inputs' values."""
        return dict(self.values())

    def restore(self, values: dict[str, Any]) -> None:
        """Fill the form with a draft's values once it has loaded (call before mounting)."""
        self._restoring = dict(values)
        self._restored = True

    def _apply_draft(self) -> None:
        """Put the draft's values into the inputs that can take them now (others wait)."""
        waiting: dict[str, Any] = {}
        for wid, value in self._restoring.items():
            if wid.startswith("_"):
                continue  # kept for the form itself (e.g. how a visit was confirmed)
            found = self.query(f"#{wid}")
            if not found or not _put_value(found.first(), value):
                waiting[wid] = value
        self._restoring = waiting

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _typed(self) -> None:
        """Something changed: keep a draft a moment later (one write for a burst of keys)."""
        if not self.DRAFT_KIND or not self.dirty or self.saving:
            return
        delay = self.fk.draft_delay
        if self._draft_timer is not None:
            self._draft_timer.stop()
        if delay <= 0:
            self.call_after_refresh(self._keep_draft)
        else:
            self._draft_timer = self.set_timer(delay, self._keep_draft)

    def _keep_draft(self) -> None:
        self._draft_timer = None
        if not self.dirty or self.saving:
            return
        draft = Draft(
            kind=self.DRAFT_KIND,
            subject=self.draft_subject(),
            values=self.draft_values(),
            title=self.draft_title(),
        )
        self._write_draft(draft)

    @work(thread=True, exit_on_error=False, exclusive=True, group="draft-write")
    def _write_draft(self, draft: Draft) -> None:
        self.fk.services.drafts.keep(draft)

    def _forget_draft(self) -> None:
        """The input was saved or discarded: its draft goes."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._restored = False
        if self.DRAFT_KIND:
            self._drop_draft(self.DRAFT_KIND, self.draft_subject())

    @work(thread=True, exit_on_error=False, group="draft-drop")
    def _drop_draft(self, kind: str, subject: str) -> None:
        self.fk.services.drafts.drop(kind, subject)

    @on(Input.Changed)
    def _clear_own_error(self, event: Input.Changed) -> None:
        """The input changed: its previous error no longer holds."""
        wid = event.input.id
        if not wid or self._erred.get(wid, event.value) == event.value:
            return
        del self._erred[wid]
        for err in self.query(f"#err-{wid}"):
            if isinstance(err, Static):
                err.update("")
        for row in self.query(f"#row-{wid}.-invalid"):
            row.remove_class("-invalid")

    def clear_errors(self) -> None:
        """Empty every error line."""
        for err in self.query(".field-error"):
            if isinstance(err, Static):
                err.update("")
        for row in self.query(".field.-invalid"):
            row.remove_class("-invalid")

    def show_error(self, field_id: str, message: str) -> None:
        """Show ``message`` under the field and focus it; the typed text stays.

        An error of no field in particular ("") shows on the form's status line only.
        """
        if not field_id:
            self.query_one("#form-status", Static).update(message)
            return
        for typed in self.query(f"#{field_id}"):
            if isinstance(typed, Input):
                self._erred[field_id] = typed.value  # the error holds until this changes
        errors = self.query(f"#err-{field_id}")
        if errors:
            errors.first(Static).update(message)
            self.query_one(f"#row-{field_id}").add_class("-invalid")
        targets = self.query(f"#{field_id}")
        if targets:
            widget = targets.first()
            widget.focus()
            widget.scroll_visible()
        self.query_one("#form-status", Static).update(message)

    def action_save(self) -> None:
        """Validate and save (subclasses implement :meth:`submit`)."""
        if self.saving:
            return
        self.clear_errors()
        try:
            self.submit()
        except FieldError as err:
            self.show_error(err.field, str(err))

    def submit(self) -> None:
        """Parse the inputs (raising :class:`FieldError`) and start the save."""

    def save_in_worker(self, save: Callable[[], object], notice: str) -> None:
        """Run ``save`` (one store transaction) off the UI thread, then go back."""
        self.saving = True
        self.query_one("#form-status", Static).update(_("Saving…"))
        self._run_save(save, notice)

    @work(thread=True, exit_on_error=False, group="form-save")
    def _run_save(self, save: Callable[[], object], notice: str) -> None:
        try:
            save()
        except FieldkitError as err:
            message = err.user_message()
            hint = err.user_hint()
            self.post_message(self.SaveFailed(err.field, f"{message} {hint}".strip()))
            return
        self.post_message(self.SaveDone(notice))

    def worker_failed(self, error: FieldkitError) -> None:
        """A worker of this form failed unexpectedly: the input stays, saving can be tried again."""
        self.saving = False
        self.query_one("#form-status", Static).update(error.user_message())

    def error_field(self, store_field: str) -> str:
        """The input to point at for a field the store refused (default: the same id)."""
        return store_field

    @on(SaveDone)
    def _on_save_done(self, message: SaveDone) -> None:
        self.fk.changed()
        self.saved(message.notice)

    @on(SaveFailed)
    def _on_save_failed(self, message: SaveFailed) -> None:
        self.saving = False
        self.show_error(self.error_field(message.field), message.message)

    def saved(self, message: str) -> None:
        """The save is durable: forget the typed state and its draft, tell the user, go back."""
        self.saving = False
        self._initial = {}
        self._forget_draft()
        self.app.notify(message)
        self.dismiss()

    def action_leave(self) -> None:
        """Go back; when input would be lost, ask first."""
        self.leave_then(self.dismiss)

    def leave_then(self, then: Callable[[], object]) -> None:
        """Run ``then`` (leave the form, quit the app), asking first when input would be lost."""
        if not self.dirty:
            self._forget_draft()
            then()
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self._initial = {}
                self._forget_draft()
                then()

        self.app.push_screen(
            ConfirmDialog(
                _("Leave without saving? What you typed will be lost."),
                yes=_("Discard"),
                no=_("Keep editing"),
            ),
            answer,
        )


def _put_value(widget: Widget, value: Any) -> bool:
    """Set an input to a draft's value; False when it cannot take it yet (options to come)."""
    if isinstance(widget, Input):
        widget.value = str(value)
    elif isinstance(widget, Checkbox):
        widget.value = bool(value)
    elif isinstance(widget, TextArea):
        widget.load_text(str(value))
    elif isinstance(widget, Select):
        if value is None or value == str(Select.NULL):
            return True
        if not widget._legal_values or value not in widget._legal_values:
            return False
        widget.value = value
    elif isinstance(widget, SelectionList):
        wanted = [v for v in value] if isinstance(value, list | tuple) else []
        known = {widget.get_option_at_index(i).value for i in range(widget.option_count)}
        if any(v not in known for v in wanted):
            return False
        widget.deselect_all()
        for v in wanted:
            widget.select(v)
    return True
