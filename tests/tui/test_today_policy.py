"""The Today screen lists under the county's policy file, and explains a bad one."""

from __future__ import annotations

from textual.widgets import Static

from fieldkit.store import Store
from fieldkit.tui.today import TodayScreen
from tests.tui.tui_helpers import make_app, screen_lines, settle, write_county_policy


async def _today_text(store: Store) -> str:
    app = make_app(store, lang="en", start_mode="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        return "\n".join(screen_lines(app))


async def test_today_follows_the_county_policy(store: Store) -> None:
    before = await _today_text(store)
    assert "赵丽华" not in before  # routine tier, visited in June: due next year by default
    write_county_policy("[tiers.routine]\ninterval_days = 30\n")
    after = await _today_text(store)
    assert "赵丽华" in after


async def test_a_bad_policy_file_is_explained_on_the_screen(store: Store) -> None:
    write_county_policy("[tiers.key]\ninterval_days = -3\n")
    app = make_app(store, lang="en", start_mode="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        counts = str(app.screen.query_one("#today-counts", Static).render())
        assert "policy.toml" in counts
        assert "tiers.key.interval_days" in counts
        assert "press r to refresh" in counts
        # fixed file, r: the list comes back
        write_county_policy("[tiers.key]\ninterval_days = 30\n")
        await pilot.press("r")
        await settle(pilot)
        assert "Sites:" in str(app.screen.query_one("#today-counts", Static).render())
