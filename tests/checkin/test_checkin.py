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
from tests.tui.tui_helpers import NOW, fill_who_and_what, make_app, rows, settle

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


async def scan(pilot, text: str) -> None:
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
        assert isinstance(under, PersonScreen)
        assert under.person_id == form.person_id
        fill_who_and_what(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        app.pop_screen()
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one("#search", Input).value == ""  # no key landed there
    assert visits(store) == [*before, ("GL-0002", "qr", "2026-11-21 10:30:00", 1)]


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
        assert app.screen is typing
        assert services.value == "送药"
        await scan(pilot, card(store, county_key, "GL-0003"))
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")  # open the check-in
        await settle(pilot)
        check_in = app.screen
        assert isinstance(check_in, VisitForm)
        assert check_in is not typing
        assert check_in.person_id == person_id(store, "GL-0003")
        fill_who_and_what(check_in)
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.pop_screen()  # the checked-in person's file
        await settle(pilot)
        assert app.screen is typing  # the typed form is still there, as it was
        assert services.value == "送药"
        assert typing.person_id == person_id(store, "GL-0001")
    assert visits(store) == [*before, ("GL-0003", "qr", "2026-11-21 10:30:00", 1)]


async def test_the_same_person_scanned_again_within_ten_minutes_is_warned(
    store: Store, county_key: SigningKey
) -> None:
    with store.write() as s:  # a check-in saved eight minutes ago
        s.add(
            Visit(
                person_id=person_id(store, "GL-0004"),
                site_id=str(rows(store, "SELECT site_id FROM person WHERE code='GL-0004'")[0][0]),
                reason=VisitReason.ROUTINE,
                visited_at=NOW - timedelta(minutes=8),
                card_scanned_at=NOW - timedelta(minutes=8),
                card_issue=1,
            )
        )
    before = visits(store)
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, card(store, county_key, "GL-0004"))
        assert isinstance(app.screen, RosterScreen)  # no second visit started
        assert any("赵丽华" in n and "10:22" in n for n in notices(app))
        # a check-in still being typed counts too
        await scan(pilot, card(store, county_key, "GL-0005"))
        first = app.screen
        assert isinstance(first, VisitForm)
        await scan(pilot, card(store, county_key, "GL-0005"))
        assert app.screen is first
        assert sum(isinstance(s, VisitForm) for s in app.screen_stack) == 1
        assert any("张志明" in n for n in notices(app))
    assert visits(store) == before


async def refused(store: Store, payload: str) -> list[str]:
    """Scan ``payload`` on the roster; assert nothing opened nor was recorded; the notices."""
    before = visits(store)
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, payload)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one("#search", Input).value == ""
        shown = notices(app)
    assert visits(store) == before
    return shown


async def test_a_forged_or_altered_card_is_refused(store: Store, county_key: SigningKey) -> None:
    good = card(store, county_key, "GL-0002")
    altered = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]
    assert any("伪造" in n for n in await refused(store, altered))
    other = new_signing_key("甘洛县", KeyRing(), NOW)  # same key id, not the county's key
    forged = sign_card(other, person_id(store, "GL-0002"), 1)
    assert any("伪造" in n for n in await refused(store, forged))


async def test_a_replaced_card_is_refused(store: Store, county_key: SigningKey) -> None:
    old = card(store, county_key, "GL-0002")
    reissue_card(store, "GL-0002")
    assert any("李秀英" in n and "2" in n for n in await refused(store, old))


async def test_another_countys_card_is_refused(store: Store, county_key: SigningKey) -> None:
    theirs = new_signing_key("越西县", KeyRing(), NOW)
    payload = sign_card(theirs, person_id(store, "GL-0002"), 1)
    assert any("其他县" in n for n in await refused(store, payload))


async def test_a_card_of_a_person_not_on_this_laptop_is_refused(
    store: Store, county_key: SigningKey
) -> None:
    payload = sign_card(county_key, str(uuid.uuid4()), 1)
    assert any("本机没有此卡持卡人" in n for n in await refused(store, payload))


async def test_without_card_keys_a_card_is_refused(bare_store: Store) -> None:
    key = new_signing_key("甘洛县", KeyRing(), NOW)  # never published to this laptop
    payload = sign_card(key, person_id(bare_store, "GL-0002"), 1)
    assert any("同步" in n for n in await refused(bare_store, payload))


async def test_a_short_code_opens_the_person_but_proves_nothing(store: Store) -> None:
    before = visits(store)
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, "GL-0006")
        form = app.screen
        assert isinstance(form, VisitForm)
        assert form.person_id == person_id(store, "GL-0006")
        assert "扫码" not in str(form.query_one("#visit-person").render())
        fill_who_and_what(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert visits(store) == [*before, ("GL-0006", "none", None, None)]


async def test_attendees_scanned_into_an_activity_once_each(
    store: Store, county_key: SigningKey
) -> None:
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActivityForm)
        team = form.query_one("#team")
        team.value = str(rows(store, "SELECT id FROM volunteer_team")[0][0])  # type: ignore[attr-defined]
        await settle(pilot)
        form.query_one("#title", Input).focus()
        await pilot.press(*"宣讲")
        await scan(pilot, card(store, county_key, "GL-0006"))  # 刘德福, a team member
        assert form.query_one("#title", Input).value == "宣讲"
        assert app.screen is form
        member = str(rows(store, "SELECT id FROM team_member WHERE name = '刘德福'")[0][0])
        assert form.query_one("#attendees", SelectionList).selected == [member]
        assert form.query_one("#people_reached", Input).value == "1"
        await scan(pilot, card(store, county_key, "GL-0006"))
        assert form.query_one("#people_reached", Input).value == "1"
        assert any("已在" in n for n in notices(app))
        await scan(pilot, card(store, county_key, "GL-0002"))  # not in the team
        assert form.query_one("#attendees", SelectionList).selected == [member]
        await pilot.press("ctrl+s")
        await settle(pilot)
    got = rows(
        store, "SELECT title, attendee_ids, attendee_count, people_reached FROM service_activity"
    )
    assert got == [("宣讲", member, 1, 1)]


async def test_a_check_in_left_unsaved_comes_back_still_confirmed_by_card(
    store: Store, county_key: SigningKey
) -> None:
    before = visits(store)
    app = make_app(store, scan_gap=5.0, draft_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, card(store, county_key, "GL-0007"))
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#goods", Input).value = "棉被"
        await settle(pilot)
    again = make_app(store)  # the next start offers the draft back
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        restored = again.screen
        assert isinstance(restored, VisitForm)
        assert restored.query_one("#goods", Input).value == "棉被"
        fill_who_and_what(restored)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert visits(store) == [*before, ("GL-0007", "qr", "2026-11-21 10:30:00", 1)]
