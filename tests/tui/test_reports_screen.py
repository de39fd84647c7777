"""The Reports screen, opened from the command palette over a fixed store."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from textual.widgets import Label, Sparkline

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.tui.reports_screen import ReportsScreen
from tests.tui.tui_helpers import make_app, settle


def _fixed_store(path: Path) -> Store:
    """Two sites, three persons, four visits in 2026Q4 and one just before it."""
    store = Store(path)
    with store.write() as s:
        east = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        west = Site(name="西岭村", county="甘洛县", kind=SiteKind.VILLAGE)
        s.add_all([east, west])
        s.flush()
        a = Person(code="DS-0001", name="王秀英", site_id=east.id, birth_date=date(1938, 5, 1))
        b = Person(code="DS-0002", name="李建国", site_id=east.id, birth_date=date(1941, 2, 3))
        c = Person(code="XL-0001", name="赵敏", site_id=west.id, birth_date=date(1945, 7, 9))
        s.add_all([a, b, c])
        s.flush()
        for person, at, fen in (
            (a, datetime(2026, 9, 30, 23, 59, 59), 0),
            (a, datetime(2026, 10, 5, 9, 0), 0),
            (a, datetime(2026, 11, 10, 9, 0), 0),
            (b, datetime(2026, 11, 12, 15, 0), 15050),
            (c, datetime(2026, 10, 20, 10, 0), 0),
        ):
            s.add(Visit(person_id=person.id, site_id=person.site_id, visited_at=at, money_fen=fen))
    return store


async def test_reports_screen_shows_the_quarters_figures_and_visits_per_month(
    tmp_path: Path,
) -> None:
    store = _fixed_store(tmp_path / "fixed.db")
    app = make_app(store, lang="en")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Reports")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        figures = str(screen.query_one("#reports-figures").render()).splitlines()
        assert "Persons served: 3" in figures
        assert "Visits: 4; persons visited: 3; confirmed by card: 0" in figures
        assert "Money handed over: 150.50 yuan" in figures
        assert "Relocation-site residents not visited in 12 months: 0" in figures
        assert "2026年第四季度" in str(screen.query_one("#reports-title").render())
        rows = [
            (
                str(row.query_one(".reports-site", Label).render()),
                list(row.query_one(Sparkline).data or []),
                str(row.query_one(".reports-counts", Label).render()),
            )
            for row in screen.query(".reports-row")
        ]
        assert rows == [
            ("东山安置点", [1, 2, 0], "1 / 2 / 0"),
            ("西岭村", [1, 0, 0], "1 / 0 / 0"),
        ]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        figures = str(screen.query_one("#reports-figures").render()).splitlines()
        assert "Visits: 1; persons visited: 1; confirmed by card: 0" in figures
    store.close()
