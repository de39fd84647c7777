"""A visit started from a due row settles that row's task; a follow-up closes only when ticked."""

from __future__ import annotations

from datetime import date

from textual.widgets import Checkbox, DataTable, Input, Select

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.vocab import EventKind
from fieldkit.services import Services, StatusEventInput
from fieldkit.store import Store
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.today import TodayScreen
from fieldkit.tui.visit_form import VisitForm
from tests.tui.tui_helpers import NOW, make_app, settle

SIZE = (120, 40)


def _due(store: Store) -> set[tuple[str, TaskKind]]:
    """(person code, task kind) of every task due on the test day."""
    listing = Services(store).due.listing(NOW.date())
    return {(t.person_code, t.kind) for g in listing.groups for t in g.tasks}


def _pid(store: Store, code: str) -> str:
    person = Services(store).roster.find_by_code(code)
    assert person is not None
    return person


async def test_a_visit_from_a_hospital_row_is_a_hospital_visit_and_settles_it(
    store: Store,
) -> None:
    li = _pid(store, "GL-0002")
    Services(store).record.status_event(
        StatusEventInput(li, EventKind.HOSPITALISED, date(2026, 11, 10), "县医院")
    )
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(store)
    app = make_app(store, start_mode="today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        table = today.query_one("#today-list", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(f"{li}:{TaskKind.HOSPITAL}"))
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        assert form.person_id == li
        assert form.query_one("#reason", Select).value == "hospital"
        form.query_one("#visitors", Input).value = "周敏"
        form.query_one("#services", Input).value = "病房探望"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        await settle(pilot)
        keys = {str(k.value) for k in table.rows}
        assert f"{li}:{TaskKind.HOSPITAL}" not in keys
    assert ("GL-0002", TaskKind.HOSPITAL) not in _due(store)


async def test_the_reason_from_a_due_row_can_still_be_changed(store: Store) -> None:
    li = _pid(store, "GL-0002")
    Services(store).record.status_event(
        StatusEventInput(li, EventKind.HOSPITALISED, date(2026, 11, 10))
    )
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_visit_form(li, task=TaskKind.HOSPITAL)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#reason", Select).value = "routine"
        form.query_one("#services", Input).value = "电话回访"
        form.query_one("#visitors", Input).value = "周敏"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(store)  # a routine visit does not settle it


async def test_a_follow_up_closes_only_when_its_box_is_ticked(store: Store) -> None:
    zhang = _pid(store, "GL-0001")
    assert ("GL-0001", TaskKind.FOLLOW_UP) in _due(store)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(zhang)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        assert form.person_id == zhang
        box = form.query_one("#follow_up_done", Checkbox)
        assert "联系社区医生" in str(box.label)
        assert box.value is False
        form.query_one("#visitors", Input).value = "周敏"
        form.query_one("#services", Input).value = "量血压"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert ("GL-0001", TaskKind.FOLLOW_UP) in _due(store)  # not ticked: still owed

        await pilot.press("v")
        await settle(pilot)
        ticking = app.screen
        assert isinstance(ticking, VisitForm)
        box = ticking.query_one("#follow_up_done", Checkbox)
        assert "联系社区医生" in str(box.label)
        box.value = True
        ticking.query_one("#visitors", Input).value = "周敏"
        ticking.query_one("#services", Input).value = "已联系社区医生"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert ("GL-0001", TaskKind.FOLLOW_UP) not in _due(store)


async def test_a_visit_from_a_follow_up_row_ticks_its_box(store: Store) -> None:
    zhang = _pid(store, "GL-0001")
    app = make_app(store, start_mode="today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#today-list", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(f"{zhang}:{TaskKind.FOLLOW_UP}"))
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        assert form.person_id == zhang
        assert form.query_one("#reason", Select).value == "routine"
        assert form.query_one("#follow_up_done", Checkbox).value is True
        form.query_one("#visitors", Input).value = "周敏"
        form.query_one("#services", Input).value = "联系了社区医生"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert ("GL-0001", TaskKind.FOLLOW_UP) not in _due(store)
