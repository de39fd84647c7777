"""A half-typed form survives a crash of the app; a failing worker is a notice, not a crash."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from textual.widgets import Input, SelectionList

from fieldkit.services import DraftBox
from fieldkit.store import Store
from fieldkit.store.roster import find_by_code  # the tests read the store directly
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.visit_form import VisitForm
from tests.tui.tui_helpers import make_app, open_visit_form, rows, settle

SIZE = (100, 30)


def _visits(store: Store) -> list[tuple[str, str, int, str]]:
    found = rows(store, "SELECT person_id, services, money_fen, needs FROM visit ORDER BY services")
    return [(str(p), str(s), int(str(m)), str(n)) for p, s, m, n in found]


async def _visit_form(app, pilot, person_id: str) -> VisitForm:
    form = await open_visit_form(app, pilot, person_id)
    assert isinstance(form, VisitForm)
    return form


async def test_a_half_typed_visit_is_offered_back_after_a_crash(store: Store) -> None:
    pid = find_by_code(store, "GL-0001")
    assert pid is not None
    before = _visits(store)
    app = make_app(store, draft_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        form = await _visit_form(app, pilot, pid)
        form.query_one("#services", Input).value = "送米送油"
        form.query_one("#money", Input).focus()
        await pilot.press("3", "0", "0")
        form.query_one("#needs", SelectionList).select("医疗")
        await settle(pilot)
    # the app ended with the form unsaved, as a crash would leave it
    assert _visits(store) == before
    (draft,) = DraftBox.beside(store.path).all()
    assert (draft.kind, draft.subject) == ("visit", pid)
    assert (draft.values["services"], draft.values["money"]) == ("送米送油", "300")
    assert draft.values["needs"] == ["医疗"]
    assert draft.title.startswith("张三丰")

    again = make_app(store)  # the next start
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = again.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "一次走访" in dialog.question
        assert "张三丰" in dialog.question
        await pilot.press("y")
        await settle(pilot)
        restored = again.screen
        assert isinstance(restored, VisitForm)
        assert restored.person_id == pid
        assert restored.query_one("#services", Input).value == "送米送油"
        assert restored.query_one("#money", Input).value == "300"
        assert restored.query_one("#needs", SelectionList).selected == ["医疗"]
        assert restored.dirty  # Esc would ask before dropping it
        restored.query_one("#visitors", Input).value = "周敏"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(again.screen, PersonScreen)
    assert _visits(store) == sorted([*before, (pid, "送米送油", 30000, "医疗")], key=lambda r: r[1])
    assert DraftBox.beside(store.path).all() == []


async def test_a_draft_declined_at_start_is_dropped(store: Store) -> None:
    pid = find_by_code(store, "GL-0002")
    assert pid is not None
    app = make_app(store, draft_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        form = await _visit_form(app, pilot, pid)
        form.query_one("#goods", Input).value = "棉被"
        await settle(pilot)
    assert [d.subject for d in DraftBox.beside(store.path).all()] == [pid]
    again = make_app(store)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(again.screen, ConfirmDialog | VisitForm)
    assert DraftBox.beside(store.path).all() == []


async def test_a_locked_store_is_a_notice_and_the_form_keeps_its_input(store: Store) -> None:
    pid = find_by_code(store, "GL-0003")
    assert pid is not None
    before = _visits(store)

    # wait 50 ms for another program's lock, not the store's 10 s, to keep the test short
    def short_wait(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    event.listen(store.engine, "connect", short_wait)
    store.engine.dispose()
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        form = await _visit_form(app, pilot, pid)
        form.query_one("#services", Input).value = "理发"
        form.query_one("#visitors", Input).value = "周敏"
        other = sqlite3.connect(store.path)
        other.execute("BEGIN IMMEDIATE")  # e.g. a `fieldkit sync` writing right now
        try:
            await pilot.press("ctrl+s")
            await settle(pilot)
        finally:
            other.rollback()
            other.close()
        assert app.screen is form
        assert not form.saving
        assert form.query_one("#services", Input).value == "理发"
        notices = [str(n.message) for n in app._notifications]
        assert any("The store is busy" in n and "save again" in n for n in notices), notices
        assert "The store is busy" in str(form.query_one("#form-status").render())
        await pilot.press("ctrl+s")  # the lock is gone: saving again works
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert _visits(store) == sorted([*before, (pid, "理发", 0, "")], key=lambda r: r[1])


def test_every_worker_leaves_its_failures_to_the_app() -> None:
    """A worker made with Textual's default (exit_on_error) would end the app on any error."""
    import ast
    from pathlib import Path

    import fieldkit.tui

    found: list[str] = []
    for path in sorted(Path(fieldkit.tui.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "work":
                    flags = {k.arg: k.value for k in deco.keywords}
                    off = flags.get("exit_on_error")
                    if not (isinstance(off, ast.Constant) and off.value is False):
                        found.append(f"{path.name}:{node.name}")
    assert found == []
