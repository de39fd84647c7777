"""From the read-only record: O corrects it in a prefilled form, X voids it with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.amend_forms import CorrectionForm, VoidDialog
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.record_view import RecordScreen
from tests.tui.tui_helpers import make_app, rows, screen_lines, settle

SIZE = (120, 50)


async def _open_visit(app: FieldkitApp, pilot: object, person_id: str, visit_id: str) -> None:
    app.open_person(person_id)
    await settle(pilot)  # type: ignore[arg-type]
    person = app.screen
    assert isinstance(person, PersonScreen)
    table = person.query_one("#timeline", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(f"visit:{visit_id}"))
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


@asynccontextmanager
async def _zhangs_visit_open(
    store: Store,
) -> AsyncIterator[tuple[FieldkitApp, Pilot[int], RecordScreen, str]]:
    """The app, signed in as 李强, showing GL-0001's one visit read-only."""
    store.set_meta("user_name", "李强")
    zhang = Services(store).roster.find_by_code("GL-0001")
    assert zhang is not None
    ((visit_id,),) = rows(store, "SELECT id FROM visit WHERE person_id = ?", zhang)
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_visit(app, pilot, zhang, str(visit_id))
        view = app.screen
        assert isinstance(view, RecordScreen)
        yield app, pilot, view, str(visit_id)


async def test_a_money_correction_from_the_record_keeps_its_trail(store: Store) -> None:
    store.set_meta("role", "staff")
    async with _zhangs_visit_open(store) as (app, pilot, view, visit_id):
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CorrectionForm)
        assert form.query_one("#money_fen", Input).value == "500.00"
        assert form.query_one("#visitors", Input).value == "周敏"
        form.query_one("#money_fen", Input).value = "5000"  # above the limit: asked first
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form
        assert rows(store, "SELECT count(*) FROM record_amendment") == [(0,)]
        form.query_one("#money_fen", Input).value = "50"
        form.query_one("#amend_reason", Input).value = "多打了一个零"
        await pilot.press("escape")  # typed input: the form asks before leaving
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is view
        assert rows(store, "SELECT money_fen FROM visit WHERE id = ?", visit_id) == [(5000,)]
        history = str(view.query_one("#record-amendments", Static).render())
        assert "Money handed over (yuan): 500.00 → 50.00" in history
        assert "by 李强" in history
        assert "Reason: 多打了一个零" in history
        assert rows(
            store,
            "SELECT action, hidden_changes, by_user FROM record_amendment WHERE record_id = ?",
            visit_id,
        ) == [("correct", '{"money_fen": [50000, 5000]}', "李强")]


async def test_a_void_without_reason_is_refused_then_one_with_a_reason_marks_it(
    store: Store,
) -> None:
    async with _zhangs_visit_open(store) as (app, pilot, view, visit_id):
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, VoidDialog)
        await pilot.press("enter")  # no reason typed
        await settle(pilot)
        assert app.screen is view
        assert any("Say why the record is voided" in str(n.message) for n in app._notifications)
        assert rows(store, "SELECT deleted FROM visit WHERE id = ?", visit_id) == [(0,)]
        assert rows(store, "SELECT count(*) FROM record_amendment") == [(0,)]
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, VoidDialog)
        dialog.query_one("#void-reason", Input).value = "重复录入"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is view
        assert view.record is not None
        assert view.record.voided
        assert "VOIDED" in "\n".join(screen_lines(app))
        assert "Reason: 重复录入" in str(view.query_one("#record-amendments", Static).render())
        assert rows(store, "SELECT deleted FROM visit WHERE id = ?", visit_id) == [(1,)]
        await pilot.press("o")  # a voided record is changed no more
        await settle(pilot)
        assert app.screen is view
        await pilot.press("escape")
        await settle(pilot)
        person = app.screen
        assert isinstance(person, PersonScreen)
        assert person.file is not None
        (entry,) = [e for e in person.file.timeline if e.row_id == visit_id]
        assert entry.voided
        assert any("[voided]" in line for line in screen_lines(app))


async def test_the_record_names_who_recorded_it_not_who_reads_it(store: Store) -> None:
    from datetime import datetime

    from fieldkit.services import VisitInput

    store.set_meta("user_name", "王芳")
    zhao = Services(store).roster.find_by_code("GL-0003")
    assert zhao is not None
    visit = Services(store).record.visit(
        VisitInput(person_id=zhao, visited_at=datetime(2026, 11, 2, 9), visitors="王芳")
    )
    store.set_meta("user_name", "李强")  # another user reads it on the same laptop
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_visit(app, pilot, zhao, visit.id)
        view = app.screen
        assert isinstance(view, RecordScreen)
        trail = str(view.query_one("#record-trail", Static).render())
        assert "by 王芳" in trail
        assert "李强" not in trail
