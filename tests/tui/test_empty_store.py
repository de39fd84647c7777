"""A new, empty store: the app opens and says how to fill the roster."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from fieldkit.store import Store
from tests.tui.tui_helpers import make_app, screen_lines, settle


async def test_an_empty_roster_says_how_to_fill_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "The roster is empty" in text
        assert "fieldkit import roster FILE" in text
        # a search that finds nothing on an empty roster is still just "no match"
        app.screen.query_one("#search", Input).value = "zsf"
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "No one matches." in text
        assert "The roster is empty" not in text
    store.close()


async def test_the_hint_is_in_chinese_by_default(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any("花名册为空" in line for line in screen_lines(app))
    store.close()
