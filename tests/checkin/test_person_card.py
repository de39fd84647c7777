"""The Person file's service card: its issue, its last scan, and P to print it; typing by hand."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Static

from fieldkit.cards.keys import SigningKey, default_key_dir, key_file_name, write_key_file
from fieldkit.cards.payload import verify_card
from fieldkit.cards.records import load_ring, reissue_card
from fieldkit.domain.models import Visit
from fieldkit.store import Store
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.roster import RosterScreen
from tests.cards.cards_helpers import scan_pdf
from tests.checkin.test_checkin import SIZE, notices, person_id
from tests.tui.tui_helpers import NOW, make_app, rows, settle


async def _file(store: Store, code: str) -> tuple[list[str], str, PersonScreen]:
    """Open the person's file, press P; the notices and the card line shown."""
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(person_id(store, code))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        line = str(screen.query_one("#person-card", Static).render())
        await pilot.press("p")
        await settle(pilot)
        return notices(app), line, screen


async def test_the_file_shows_the_card_issue_and_last_scan(store: Store) -> None:
    reissue_card(store, "GL-0002")
    scanned = NOW - timedelta(days=3)
    with store.write() as s:
        s.add(
            Visit(
                person_id=person_id(store, "GL-0002"),
                site_id=str(rows(store, "SELECT site_id FROM person WHERE code='GL-0002'")[0][0]),
                visited_at=scanned,
                card_scanned_at=scanned,
                card_issue=2,
            )
        )
    _shown, line, _screen = await _file(store, "GL-0002")
    assert line == "服务卡第2张 · 最近扫码：2026-11-18 10:30"
    _shown, line, _screen = await _file(store, "GL-0003")
    assert line == "服务卡第1张 · 最近扫码：从未"


async def test_p_without_hqs_key_file_says_where_cards_are_printed(store: Store) -> None:
    shown, _line, _screen = await _file(store, "GL-0002")
    assert any("局机关" in n for n in shown)
    assert not (store.path.parent / "cards" / "GL-0002.pdf").exists()


async def test_p_prints_the_persons_card(store: Store, county_key: SigningKey) -> None:
    write_key_file(county_key, default_key_dir() / key_file_name(county_key))
    shown, _line, _screen = await _file(store, "GL-0002")
    pdf = store.path.parent / "cards" / "GL-0002.pdf"
    assert any(str(pdf) in n for n in shown)
    (page,) = scan_pdf(pdf)
    (symbol,) = page
    claim = verify_card(symbol.text, load_ring(store))
    assert (claim.person_id, claim.issue) == (person_id(store, "GL-0002"), 1)


async def test_typing_that_starts_like_a_card_reaches_the_field(store: Store) -> None:
    app = make_app(store, scan_gap=0.0)  # every key a pause apart: a person typing
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"fk1z")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one("#search", Input).value == "fk1z"
