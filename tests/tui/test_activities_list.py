"""The list of past service activities: newest first, with team, kind, reach and hours;
Enter opens the activity read-only; reached by F7 and from the command palette."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable

from fieldkit.domain.vocab import ActivityKind
from fieldkit.services import ActivityInput, Services
from fieldkit.store import Store
from fieldkit.tui.activities import ActivitiesScreen
from fieldkit.tui.record_view import RecordScreen
from tests.tui.tui_helpers import make_app, screen_lines, settle

SIZE = (120, 40)


def _record_three(store: Store) -> list[str]:
    """Three activities of the small store's team: ids oldest first."""
    services = Services(store)
    team_id, _name, site_id = services.roster.teams()[0]
    made = []
    for day, kind, title, minutes, reached in (
        (date(2026, 9, 3), ActivityKind.TALK, "政策宣讲", 90, 120),
        (date(2026, 11, 2), ActivityKind.PATROL, "护林巡逻", 240, 0),
        (date(2026, 10, 9), ActivityKind.MEDIATION, "邻里调解", 45, 6),
    ):
        row = services.record.activity(
            ActivityInput(
                team_id=team_id,
                site_id=site_id,
                kind=kind,
                held_on=day,
                title=title,
                duration_minutes=minutes,
                people_reached=reached,
            )
        )
        made.append(row.id)
    return made


def _cells(table: DataTable[str]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_activities_are_listed_newest_first_and_open_read_only(store: Store) -> None:
    talk, patrol, mediation = _record_three(store)
    app = make_app(store, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivitiesScreen)
        table = screen.query_one("#activities", DataTable)
        assert _cells(table) == [
            ["2026-11-02", "银发宣讲队", "巡逻", "护林巡逻", "0", "4.0", "幸福安置点"],
            ["2026-10-09", "银发宣讲队", "矛盾调解", "邻里调解", "6", "0.8", "幸福安置点"],
            ["2026-09-03", "银发宣讲队", "宣讲", "政策宣讲", "120", "1.5", "幸福安置点"],
        ]
        assert [str(k.value) for k in table.rows] == [patrol, mediation, talk]
        assert "活动第 1-3 条，共 3 条，最新在前" in "\n".join(screen_lines(app))
        await pilot.press("down", "enter")  # the second row: the mediation
        await settle(pilot)
        record = app.screen
        assert isinstance(record, RecordScreen)
        assert (record.kind, record.row_id) == ("activity", mediation)
        shown = "\n".join(screen_lines(app))
        assert "邻里调解" in shown
        assert "2026-10-09" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_the_command_palette_opens_the_activity_list(store: Store) -> None:
    _record_three(store)
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Service activities")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        text = "\n".join(screen_lines(app))
        assert "Activities 1-3 of 3, newest first" in text


async def test_no_activity_yet_says_how_to_record_one(store: Store) -> None:
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert app.screen.query_one("#activities", DataTable).row_count == 0
        assert "No service activity is recorded yet (F6 records one)." in "\n".join(
            screen_lines(app)
        )
