"""The roster while typing fast and while moving through a long list, in the real app.

A search whose answer comes late must never replace the answer to what was
typed after it, and the table, which draws only the lines in view, must show the
right persons wherever the cursor or the page goes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from fieldkit.domain.models import Person
from fieldkit.sampledata import generate_store
from fieldkit.services import PAGE_SIZE, RosterFilter, RosterPage
from fieldkit.store import Store
from fieldkit.store.search_index import extra_keys
from fieldkit.tui.roster import RosterScreen
from tests.tui.tui_helpers import make_app, screen_lines, settle

SIZE = (100, 30)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """An invented county of 400 persons (several pages, many surnames read two ways)."""
    store = generate_store(tmp_path_factory.mktemp("typing") / "county.db", persons=400, visits=0)
    yield store
    store.close()


def _order(store: Store, text: str = "") -> list[tuple[str, str]]:
    """(id, code) of every live person the letters ``text`` find, in the roster's order."""
    with store.read() as s:
        people = [p for p in s.exec(select(Person)).all() if not p.deleted]
        hits = [
            (p.search_full, p.id, p.code)
            for p in people
            if p.search_full.startswith(text)
            or p.search_initials.startswith(text)
            or any(k.startswith(text) for k in extra_keys(p.name, p.code) if text)
        ]
    return [(pid, code) for _full, pid, code in sorted(hits)]


def _codes(store: Store, screen: RosterScreen) -> list[str]:
    """The codes of the table's rows, top to bottom."""
    table = screen.query_one("#roster", DataTable)
    with store.read() as s:
        code_of = {p.id: p.code for p in s.exec(select(Person)).all()}
    return [code_of[str(key.value)] for key in table.rows]


async def _until_shown(pilot: object, screen: RosterScreen) -> None:
    """Wait (by event loop turns, no clock) until the screen shows its current search."""
    while screen.page_flt != screen.flt or not screen.complete:
        await pilot.pause()  # type: ignore[attr-defined]


async def test_fast_typing_shows_only_the_last_prefix(county: Store) -> None:
    app = make_app(county, scan_gap=0.0)
    held = threading.Event()
    late = threading.Event()
    search = app.services.roster.search

    def slow_for_zh(flt: RosterFilter, **kwargs: Any) -> RosterPage:
        if flt.text == "zh":  # the answer to "zh" comes after all the others
            held.wait(timeout=30)
            late.set()
        return search(flt, **kwargs)

    app.services.roster.search = slow_for_zh  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        await pilot.press(*"zhang")
        await _until_shown(pilot, screen)
        expected = [code for _pid, code in _order(county, "zhang")][:PAGE_SIZE]
        assert expected
        assert _codes(county, screen) == expected
        held.set()  # now the stale "zh" query finishes
        await settle(pilot)
        assert late.is_set()
        assert _codes(county, screen) == expected
        await pilot.press("backspace", "backspace", "w", "backspace", "backspace", "backspace")
        await pilot.press(*"li")
        await _until_shown(pilot, screen)
        assert screen.flt.text == "zli"
        assert _codes(county, screen) == [c for _p, c in _order(county, "zli")][:PAGE_SIZE]


async def test_an_older_answer_that_comes_back_first_is_never_shown(
    county: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer to "zha" comes back (its query not stopped) after "zhang" was typed
    and before the answer to "zhang": the table never shows it, even for a moment."""
    app = make_app(county, scan_gap=0.0)
    zhang_asked = threading.Event()
    zha_answered = threading.Event()
    search = app.services.roster.search

    def zha_answers_first(flt: RosterFilter, **kwargs: Any) -> RosterPage:
        if flt.text == "zha":
            kwargs.pop("cancelled")  # this query runs to its end although no longer wanted
            try:
                page = search(flt, **kwargs)
                zhang_asked.wait(timeout=30)
                return page
            finally:
                zha_answered.set()
        if flt.text == "zhang":
            zhang_asked.set()
            zha_answered.wait(timeout=30)
        return search(flt, **kwargs)

    app.services.roster.search = zha_answers_first  # type: ignore[method-assign]
    filled: list[list[str]] = []
    fill = RosterScreen._fill

    def recorded(screen: RosterScreen, table: Any, ids: list[str], lines: Any) -> None:
        filled.append(list(ids))
        fill(screen, table, ids, lines)

    monkeypatch.setattr(RosterScreen, "_fill", recorded)
    zha = [pid for pid, _code in _order(county, "zha")][:PAGE_SIZE]
    zhang = [pid for pid, _code in _order(county, "zhang")][:PAGE_SIZE]
    assert zha != zhang
    assert zhang
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        await pilot.press(*"zhang")
        await _until_shown(pilot, screen)
        await settle(pilot)
        assert zha_answered.is_set()
        assert zhang_asked.is_set()
        assert filled[-1] == zhang
        assert zha not in filled
        assert (
            _codes(county, screen) == [code for _pid, code in _order(county, "zhang")][:PAGE_SIZE]
        )


async def test_scrolling_and_paging_a_long_list_show_the_right_persons(county: Store) -> None:
    everyone = _order(county)
    assert len(everyone) > 2 * PAGE_SIZE
    app = make_app(county, scan_gap=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        table = screen.query_one("#roster", DataTable)
        assert _codes(county, screen) == [c for _p, c in everyone[:PAGE_SIZE]]
        table.focus()
        await pilot.press(*["down"] * 40)  # well past the lines in view
        await settle(pilot)
        assert screen.selected_person_id() == everyone[40][0]
        shown = "\n".join(screen_lines(app))
        assert everyone[40][1] in shown
        assert everyone[0][1] not in shown
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert _codes(county, screen) == [c for _p, c in everyone[PAGE_SIZE : 2 * PAGE_SIZE]]
        assert everyone[PAGE_SIZE][1] in "\n".join(screen_lines(app))
        await pilot.press(*["down"] * (PAGE_SIZE + 10))  # stops at the page's last row
        await settle(pilot)
        assert screen.selected_person_id() == everyone[2 * PAGE_SIZE - 1][0]
        assert everyone[2 * PAGE_SIZE - 1][1] in "\n".join(screen_lines(app))
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert _codes(county, screen) == [c for _p, c in everyone[:PAGE_SIZE]]
        assert everyone[0][1] in "\n".join(screen_lines(app))


async def test_a_search_longer_than_its_box_shows_its_end(county: Store) -> None:
    """The box's text width is not a layout reactive (no layout per key): it still scrolls."""
    app = make_app(county, scan_gap=0.0)
    typed = "x" * (SIZE[0] + 20) + "tail"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        await pilot.press(*typed)
        await _until_shown(pilot, screen)
        await settle(pilot)
        assert screen.flt.text == typed
        box = next(line for line in screen_lines(app) if "xxxx" in line)
        assert "xxxxtail" in box
        await pilot.press("home")
        await settle(pilot)
        assert not any("tail" in line for line in screen_lines(app))
