"""The footer shows every key the screen offers, uncut, at 80x24 in both languages."""

from __future__ import annotations

import pytest

from fieldkit.store import Store
from fieldkit.store.roster import find_by_code
from fieldkit.tui.widgets import KeysBar
from tests.tui.tui_helpers import make_app, screen_lines, settle


def _footer(app: object) -> tuple[str, list[str]]:
    """The bar's text, and the key labels the screen's shown bindings should put there."""
    screen = app.screen  # type: ignore[attr-defined]
    bar = screen.query_one(KeysBar)
    height = bar.size.height
    text = "\n".join(screen_lines(app)[-height:])  # type: ignore[arg-type]
    wanted = [
        f"{app.get_key_display(b)} {b.description}"  # type: ignore[attr-defined]
        for _node, b, _enabled, _tip in screen.active_bindings.values()
        if b.show
    ]
    return text, wanted


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [80, 120])
async def test_every_key_is_in_the_footer(store: Store, lang: str, width: int) -> None:
    app = make_app(store, lang=lang)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        seen = []

        async def check(name: str) -> None:
            await settle(pilot)
            text, wanted = _footer(app)
            assert "…" not in text, f"{name}: {text}"
            for label in [*wanted, "^p"]:
                assert label in text, f"{name}: {label!r} missing from {text!r}"
            seen.append(name)

        await check("roster")
        await pilot.press("tab")  # the table: its keys (filters, visit, pages) show
        await check("roster table")
        app.open_person(find_by_code(store, "GL-0001") or "")
        await check("person")
        await pilot.press("v")
        await check("visit")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f2")
        await check("today")
        await pilot.press("f5")
        await check("sync")
        await pilot.press("f1")
        await check("help")
        await pilot.press("escape")
        await pilot.press("f4")
        await check("consultation")
        assert len(seen) == 8
