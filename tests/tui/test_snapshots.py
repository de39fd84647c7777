"""SVG snapshots of the main screens at 80x24 and 120x40, in Chinese and English.

Deterministic: the store is built from fixed data, the app's clock is fixed, and
the time zone is pinned so the last-sync time always reads the same. Update the
pictures after a deliberate change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fieldkit.store import Store
from fieldkit.store.roster import find_by_code
from tests.tui.tui_helpers import make_app, settle

SIZES = [(80, 24), (120, 40)]
LANGS = ["zh", "en"]


@pytest.fixture(autouse=True)
def _pinned_time_zone() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _steps(store: Store, screen: str) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        await settle(pilot)
        if screen == "search":
            await pilot.press(*"zh")
        elif screen in ("person", "visit"):
            app.open_person(find_by_code(store, "GL-0001") or "")  # type: ignore[attr-defined]
            await settle(pilot)
            if screen == "visit":
                await pilot.press("v")
        elif screen == "today":
            await pilot.press("f2")
        elif screen == "sync":
            await pilot.press("f5")
        elif screen == "help":
            await pilot.press("f1")
        await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture depend on time
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", ["roster", "search", "person", "visit", "today", "sync"])
def test_screen(
    snap_compare: Callable[..., bool], store: Store, screen: str, size: tuple[int, int], lang: str
) -> None:
    app = make_app(store, lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=_steps(store, screen))


@pytest.mark.parametrize("lang", LANGS)
def test_help(snap_compare: Callable[..., bool], store: Store, lang: str) -> None:
    app = make_app(store, lang=lang)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_steps(store, "help"))
