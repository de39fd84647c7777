"""Guards: Ctrl+Q on a form with input asks; recording a death asks first."""

from __future__ import annotations

from textual.widgets import Input, Select

from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.person_edit import StatusEventForm
from fieldkit.tui.visit_form import VisitForm
from tests.tui.tui_helpers import make_app, rows, settle


def _pid(store: Store, code: str) -> str:
    person = Services(store).roster.find_by_code(code)
    assert person is not None
    return person


async def test_ctrl_q_on_a_typed_visit_asks_before_quitting(store: Store) -> None:
    wang = _pid(store, "GL-0003")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_visit_form(wang)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#services", Input).value = "理发"
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert app.screen is form
        assert app.is_running
        assert form.query_one("#services", Input).value == "理发"
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")  # discard and quit
        await settle(pilot)
        assert not app.is_running


async def test_recording_a_death_asks_first(store: Store) -> None:
    wang = _pid(store, "GL-0003")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_person(wang)
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StatusEventForm)
        form.query_one("#kind", Select).value = "deceased"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form
        assert rows(store, "SELECT status FROM person WHERE id = ?", wang) == [("active",)]
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert rows(store, "SELECT status FROM person WHERE id = ?", wang) == [("deceased",)]
    assert rows(store, "SELECT kind FROM person_event WHERE person_id = ?", wang) == [("deceased",)]


async def test_a_money_error_clears_when_the_amount_changes(store: Store) -> None:
    wang = _pid(store, "GL-0003")
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_visit_form(wang)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#visitors", Input).value = "周敏"
        form.query_one("#services", Input).value = "送米"
        for typed in ("1e9", "1_000"):
            form.query_one("#money", Input).value = typed
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert str(form.query_one("#err-money").render()) != ""
            form.query_one("#money", Input).value = "５００"
            await settle(pilot)
            assert str(form.query_one("#err-money").render()) == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(store, "SELECT money_fen, services FROM visit WHERE person_id = ?", wang) == [
        (50000, "送米")
    ]
