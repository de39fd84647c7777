"""Enter on a history row opens the saved record read-only, with its trail."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.record_view import RecordScreen
from tests.tui.tui_helpers import make_app, rows, screen_lines, settle


async def test_enter_on_a_visit_shows_every_field_and_where_it_stands(store: Store) -> None:
    zhang = Services(store).roster.find_by_code("GL-0001")
    assert zhang is not None
    ((visit_id,),) = rows(store, "SELECT id FROM visit WHERE person_id = ?", zhang)
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_person(zhang)
        await settle(pilot)
        person = app.screen
        assert isinstance(person, PersonScreen)
        table = person.query_one("#timeline", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(f"visit:{visit_id}"))
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, RecordScreen)
        assert view.row_id == visit_id
        shown = "\n".join(screen_lines(app))
        for text in ("500.00", "送月饼", "联系社区医生", "2026-10-15", "周敏"):
            assert text in shown
        trail = str(view.query_one("#record-trail", Static).render())
        assert "this laptop" in trail
        assert "Not yet at headquarters" in trail
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is person
