"""The roster through the real app: every reading finds, footer keys act from the
search box, Enter on a single match opens it."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input

from fieldkit.domain.models import Person
from fieldkit.store import Store
from fieldkit.store.records import update_person
from fieldkit.tui import roster as roster_screen
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.roster import RosterScreen
from tests.tui.tui_helpers import make_app, settle

SIZE = (100, 30)


def _ids(store: Store, *codes: str) -> list[str]:
    with store.read() as s:
        by_code = {p.code: p.id for p in s.exec(select(Person)).all()}
    return [by_code[c] for c in codes]


def _table_ids(screen: RosterScreen) -> list[str]:
    table = screen.query_one("#roster", DataTable)
    return [str(key.value) for key in table.rows]


async def test_other_readings_and_code_digits_find_in_the_app(store: Store) -> None:
    (zhang,) = _ids(store, "GL-0001")
    update_person(store, zhang, {"name": "曾建建"})
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        for text in ("cjj", "zjj", "cengjianjian", "zengjianjian", "0001"):
            screen.query_one("#search", Input).value = text
            await settle(pilot)
            assert _table_ids(screen) == [zhang], text


async def test_enter_on_a_single_match_opens_it(store: Store) -> None:
    (li,) = _ids(store, "GL-0002")
    app = make_app(store, scan_gap=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"lxy", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert app.screen.person_id == li


async def test_enter_on_many_matches_moves_to_the_list(store: Store) -> None:
    app = make_app(store, scan_gap=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"zh", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert _table_ids(screen) == _ids(store, "GL-0001", "GL-0005", "GL-0004")
        assert app.focused is screen.query_one("#roster")


async def test_footer_keys_act_from_the_search_box(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster_screen, "PAGE_SIZE", 3)
    app = make_app(store, scan_gap=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        search = screen.query_one("#search", Input)
        assert app.focused is search
        first = _table_ids(screen)
        await pilot.press("]")
        await settle(pilot)
        assert search.value == ""
        assert app.focused is search
        second = _table_ids(screen)
        assert len(second) == 3
        assert not set(first) & set(second)
        await pilot.press("[")
        await settle(pilot)
        assert search.value == ""
        assert _table_ids(screen) == first
        screen.query_one("#roster", DataTable).focus()
        await pilot.press("/")
        await settle(pilot)
        assert app.focused is search
        assert search.value == ""
        await pilot.press(*"fv")  # letters of a search stay letters
        await settle(pilot)
        assert search.value == "fv"
        assert isinstance(app.screen, RosterScreen)
