"""The Reports screen, opened from the command palette over a fixed store."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from textual.widgets import Label, Sparkline, Static

from fieldkit.domain.models import Person, Site, Visit
from fieldkit.domain.vocab import SiteKind
from fieldkit.services.reports import Quarter, Reports
from fieldkit.store import Store
from fieldkit.store.due_list import county_policy
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.reports_screen import ReportsScreen, figure_lines
from tests.reports.report_county import id_at
from tests.tui.tui_helpers import make_app, settle, write_county_policy

_ON_FILE = datetime(2025, 6, 1, 2, 0)


def _fixed_store(path: Path) -> Store:
    """Two sites, three persons (on file since 2025-06-01), four visits in 2026Q4 and one
    just before it."""
    store = Store(path)
    with store.write() as s:
        east = Site(name="东山安置点", county="甘洛县", kind=SiteKind.RELOCATION)
        west = Site(name="西岭村", county="甘洛县", kind=SiteKind.VILLAGE)
        s.add_all([east, west])
        s.flush()
        a, b, c = (
            Person(id=id_at(_ON_FILE), code=code, name=name, site_id=site.id, birth_date=born)
            for code, name, site, born in (
                ("DS-0001", "王秀英", east, date(1938, 5, 1)),
                ("DS-0002", "李建国", east, date(1941, 2, 3)),
                ("XL-0001", "赵敏", west, date(1945, 7, 9)),
            )
        )
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


async def _care_line(app: FieldkitApp) -> str:
    """The Reports screen's care-plan line for 2026Q4, opened from the palette."""
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(Quarter(2026, 4)))
        await settle(pilot)
        figures = str(app.screen.query_one("#reports-figures").render()).splitlines()
        return next(line for line in figures if line.startswith("Care-plan visits due"))


async def test_reports_screen_counts_care_plan_visits_under_the_county_policy(
    tmp_path: Path,
) -> None:
    store = _fixed_store(tmp_path / "fixed.db")
    by_default = await _care_line(make_app(store, lang="en"))
    # Shipped policy (routine: yearly). Late: 李建国 and 赵敏, never visited, owed a
    # visit from 1 October, visited 12 November and 20 October. Missed: everyone's
    # Double Ninth visit. On time: 李建国's yearly relocation-site visit.
    assert by_default == "Care-plan visits due: on time 1, late 2, missed 3"
    write_county_policy("[tiers.routine]\ninterval_days = 30\n")
    by_county = await _care_line(make_app(store, lang="en"))
    # Every 30 days: also late 王秀英's visit due 4 November (made 10 November), and
    # missed the next one each was owed in December (12-10, 12-12, and 赵敏's from
    # 19 November), still open at the end of the quarter.
    assert by_county == "Care-plan visits due: on time 1, late 3, missed 6"
    expected = figure_lines(Reports(store).build(Quarter(2026, 4), policy=county_policy(None)))
    assert by_county in expected
    store.close()


async def test_reports_screen_explains_a_bad_policy_file_and_refreshes(tmp_path: Path) -> None:
    store = _fixed_store(tmp_path / "fixed.db")
    write_county_policy("[tiers.key]\ninterval_days = -3\n")
    app = make_app(store, lang="en")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(Quarter(2026, 4)))
        await settle(pilot)
        title = str(app.screen.query_one("#reports-title", Static).render())
        assert "policy.toml" in title
        assert "tiers.key.interval_days" in title
        assert "press r to refresh" in title
        assert str(app.screen.query_one("#reports-figures", Static).render()) == ""
        write_county_policy("[tiers.key]\ninterval_days = 30\n")
        await pilot.press("r")
        await settle(pilot)
        figures = str(app.screen.query_one("#reports-figures", Static).render()).splitlines()
        assert "Persons served: 3" in figures
        assert "2026年第四季度" in str(app.screen.query_one("#reports-title", Static).render())
    store.close()
