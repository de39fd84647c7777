"""Check-in by service card, through the real app: payloads typed at scanner speed.

A handheld scanner types the card's payload and Enter within a few milliseconds
a key; Pilot's key presses come as fast, and the app's scanner gap is set
generously (5 s) so that every burst below counts as a scan. The app's clock is
the fixed test clock (``NOW``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from textual.widgets import Input, SelectionList
from tui_helpers import NOW, make_app, rows, settle

from fieldkit.cards.keys import KeyRing, SigningKey, new_signing_key
from fieldkit.cards.payload import sign_card
from fieldkit.cards.records import reissue_card
from fieldkit.domain.models import Visit
from fieldkit.domain.vocab import VisitReason
from fieldkit.store import Store
from fieldkit.tui.activity_form import ActivityForm
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.roster import RosterScreen
from fieldkit.tui.visit_form import VisitForm

SIZE = (100, 30)


def person_id(store: Store, code: str) -> str:
    """The id of the person with ``code`` (read from the SQLite file)."""
    return str(rows(store, "SELECT id FROM person WHERE code = ?", code)[0][0])


def card(store: Store, key: SigningKey, code: str, issue: int = 1) -> str:
    """The payload of the card of the person with ``code``."""
    return sign_card(key, person_id(store, code), issue)


def visits(store: Store) -> list[tuple[object, ...]]:
    """Every visit: the person's code, confirmation, scan time and card issue."""
    return rows(
        store,
        "SELECT p.code, v.confirmation, v.card_scanned_at, v.card_issue FROM visit v "
        "JOIN person p ON p.id = v.person_id ORDER BY v.visited_at, p.code",
    )


def notices(app: FieldkitApp) -> list[str]:
    """The notices shown so far."""
    return [str(n.message) for n in app._notifications]


async def scan(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """A scanner typing ``text`` and Enter."""
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_valid_card_opens_the_person_with_a_visit_confirmed_by_card(
    store: Store, county_key: SigningKey
) -> None:
    before = visits(store)
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Input)  # the roster's search box has the focus
        await scan(pilot, card(store, county_key, "GL-0002"))
        form = app.screen
        assert isinstance(form, VisitForm)
        assert form.person_id == person_id(store, "GL-0002")
        assert "李秀英" in str(form.query_one("#visit-person").render())
        assert "扫码" in str(form.query_one("#visit-person").render())
        under = app.screen_stack[-2]
        assert isinstance(under, PersonScreen) and under.person_id == form.person_id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        app.pop_screen()
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one("#search", Input).value == ""  # no key landed there
    assert visits(store) == [*before, ("GL-0002", "qr", "2026-11-21 10:30:00.000000", 1)]


async def test_a_card_scanned_while_a_field_has_focus_never_lands_in_it(
    store: Store, county_key: SigningKey
) -> None:
    before = visits(store)
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(person_id(store, "GL-0001"))
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        typing = app.screen
        assert isinstance(typing, VisitForm)
        services = typing.query_one("#services", Input)
        services.focus()
        await pilot.press(*"送药")
        await settle(pilot)
        await scan(pilot, card(store, county_key, "GL-0003"))
        assert services.value == "送药"  # not one key of the payload
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)  # asked before leaving the typed form
        await pilot.press("n")  # stay in the form
        await settle(pilot)
        assert app.screen is typing and services.value == "送药"
        await scan(pilot, card(store, county_key, "GL-0003"))
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # open the check-in
        await settle(pilot)
        check_in = app.screen
        assert isinstance(check_in, VisitForm) and check_in is not typing
        assert check_in.person_id == person_id(store, "GL-0003")
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.pop_screen()  # the checked-in person's file
        await settle(pilot)
        assert app.screen is typing  # the typed form is still there, as it was
        assert services.value == "送药"
        assert typing.person_id == person_id(store, "GL-0001")
    assert visits(store) == [*before, ("GL-0003", "qr", "2026-11-21 10:30:00.000000", 1)]
