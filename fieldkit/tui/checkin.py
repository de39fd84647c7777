"""Check-in by service card: what a scan does on whatever screen is showing.

The app hands every scanned burst here (:func:`take_scan`). A card payload is
checked in a thread worker (:meth:`fieldkit.services.cards.Cards.check_in`) and
the answer comes back as :class:`CardChecked`, which :func:`card_checked` routes:

- a refused card: a notice naming why (unknown person, forged or altered,
  replaced, another county's, no keys yet), nothing recorded;
- the person's card scanned again within ten minutes (a visit saved from a scan,
  or a check-in form still open): a warning, no second visit;
- an activity form showing: the person is added to its attendees;
- a form with unsaved input showing: ask first; the form stays open underneath;
- otherwise: the person's file with a new visit, confirmed by the card, with the
  scan time and the card's issue number.

A short code (``GL-0042``) opens the person's file and a visit too, but as a
lookup: the visit is not marked confirmed by card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import ModalScreen

from fieldkit.domain.vocab import Confirmation
from fieldkit.i18n import gettext as _
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.scanner import card_start

if TYPE_CHECKING:
    from fieldkit.services.cards import CheckIn
    from fieldkit.tui.app import FieldkitApp

__all__ = ["CardChecked", "CodeFound", "card_checked", "code_found", "take_scan"]


@dataclass
class CardChecked(Message):
    """A scanned card was checked: ``check`` when valid, else ``refusal`` says why."""

    check: CheckIn | None
    refusal: str = ""


@dataclass
class CodeFound(Message):
    """A scanned or typed short code was looked up (``person_id`` None: nobody has it)."""

    code: str
    person_id: str | None


def take_scan(app: FieldkitApp, text: str) -> None:
    """Check a scanned text in a worker: a card's payload, or a short code."""
    if card_start(text):
        app.run_worker(
            lambda: _check_card(app, text),
            thread=True,
            exit_on_error=False,
            group="scan",
        )
    else:
        app.run_worker(
            lambda: app.post_message(CodeFound(text, app.services.roster.find_by_code(text))),
            thread=True,
            exit_on_error=False,
            group="scan",
        )


def _check_card(app: FieldkitApp, text: str) -> None:
    """The card check (runs in a worker thread)."""
    from fieldkit.services.cards import CardRefused

    try:
        check = app.services.cards.check_in(text, app.now())
    except CardRefused as refused:
        app.post_message(CardChecked(None, str(refused)))
        return
    app.post_message(CardChecked(check))


def card_checked(app: FieldkitApp, message: CardChecked) -> None:
    """Act on a checked card on the screen showing now."""
    check = message.check
    if check is None:
        app.notify(message.refusal, title=_("Card refused"), severity="error", timeout=10)
        return
    screen = app.screen
    take_card = getattr(screen, "take_card", None)
    if callable(take_card):  # an activity form: the card holder is an attendee
        take_card(check)
        return
    if check.repeat or _open_check_in(app, check.person_id):
        when = (check.last_scan or check.scanned_at).strftime("%H:%M")
        app.notify(
            _("{name}'s card was already scanned at {time}: no second visit is started").format(
                name=check.name, time=when
            ),
            severity="warning",
            timeout=10,
        )
        return
    _leave_form_then(
        app,
        _("{name}'s card was scanned.").format(name=check.name),
        lambda: _open_visit(app, check.person_id, check),
    )


def code_found(app: FieldkitApp, message: CodeFound) -> None:
    """A short code: open the person's file and a visit, not confirmed by card."""
    person_id = message.person_id
    if person_id is None:
        app.notify(_("No person has the code {code}").format(code=message.code), severity="error")
        return
    _leave_form_then(
        app,
        _("The code {code} was scanned.").format(code=message.code),
        lambda: _open_visit(app, person_id, None),
    )


def _open_check_in(app: FieldkitApp, person_id: str) -> bool:
    """Whether a visit form opened by this person's card is still open."""
    from fieldkit.tui.visit_form import VisitForm

    return any(
        isinstance(s, VisitForm) and s.person_id == person_id and s.card_scanned_at is not None
        for s in app.screen_stack
    )


def _open_visit(app: FieldkitApp, person_id: str, check: CheckIn | None) -> None:
    app.open_person(person_id)
    if check is None:
        app.open_visit_form(person_id)
    else:
        app.open_visit_form(
            person_id, Confirmation.QR, scanned_at=check.scanned_at, card_issue=check.issue
        )


def _leave_form_then(app: FieldkitApp, what: str, go: Callable[[], None]) -> None:
    """Run ``go`` over the screen showing; a form with input is asked about and kept."""
    screen = app.screen
    if isinstance(screen, ModalScreen):
        app.notify(
            what + " " + _("Answer the question on screen first, then scan again."),
            severity="warning",
        )
        return
    from fieldkit.tui.forms import FormScreen  # not needed to show the first screen

    if not isinstance(screen, FormScreen):
        go()
        return
    if not screen.dirty:
        screen.action_leave()
        go()
        return

    def answer(leave: bool | None) -> None:
        if leave:
            go()

    app.push_screen(
        ConfirmDialog(
            what
            + " "
            + _("Open the check-in? This form stays open underneath with what you typed."),
            yes=_("Open the check-in"),
            no=_("Stay in this form"),
        ),
        answer,
    )
